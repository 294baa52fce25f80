/**
 * A self-contained HTML report: tables and inline SVG figures, no scripts,
 * no external resources, so it opens offline in any browser and renders the
 * same in headless Chromium.
 */

/** A header cell over `span` adjacent columns (e.g. the unit they share); '' for none. */
export interface HeaderGroup {
  readonly label: string;
  readonly span: number;
}

export interface ReportTable {
  readonly caption: string;
  readonly header: readonly string[];
  /** A row above `header` whose spans add up to its length. */
  readonly headerGroups?: readonly HeaderGroup[];
  readonly rows: readonly (readonly (string | number | null)[])[];
  /** A footnote under the table. */
  readonly note?: string;
}

/**
 * Most columns a report table has, so that it fits a 1000 px page without
 * scrolling sideways. Headers and cells wrap at spaces, so a column is at
 * least as wide as its longest word: at the tables' 13.6 px font ≤ 9 px a
 * character plus ≈ 15 px of padding and border, ≈ 50–80 px for the numbers,
 * metric names and units of these tables and ≈ 140 px for a patient name.
 * The CVGA zone table's 12 columns (group, n, A+B, nine zones) come to
 * ≈ 750 px; 12 of the widest metric columns with a patient name would come
 * to ≈ 1,000 px, hence no more. Wider tables are split (the metrics by
 * topic, others by splitColumns); test/report/reportTables.test.ts
 * estimates every table's width.
 */
export const MAX_TABLE_COLUMNS = 12;

/**
 * A table as several with at most `maxColumns` columns each, every one
 * repeating the first `keyColumns` (e.g. the row's name), the others spread
 * so that the parts differ by one column at most, for tables whose
 * width the report does not choose (a controller's own tables). Tables
 * with header groups are split by their groups by whoever builds them.
 */
export function splitColumns(t: ReportTable, maxColumns: number = MAX_TABLE_COLUMNS, keyColumns = 1): ReportTable[] {
  const per = maxColumns - keyColumns;
  const rest = t.header.length - keyColumns;
  if (t.headerGroups) throw new Error(`splitColumns: table "${t.caption}" has header groups; split it by its groups instead`);
  if (per < 1) throw new Error(`splitColumns: ${keyColumns} key columns leave none of ${maxColumns} for the rest`);
  if (t.header.length <= maxColumns) return [t];
  const parts = Math.ceil(rest / per);
  // Even parts, not full ones and a stub: the first `rest % parts` parts take one column more than the others.
  const size = Math.floor(rest / parts);
  const larger = rest % parts;
  const start = (k: number) => keyColumns + k * size + Math.min(k, larger);
  return Array.from({ length: parts }, (_, k) => {
    const from = start(k);
    const to = start(k + 1);
    const pick = <T>(row: readonly T[]) => [...row.slice(0, keyColumns), ...row.slice(from, to)];
    return {
      caption: `${t.caption} (${k + 1} of ${parts})`,
      header: pick(t.header),
      rows: t.rows.map(pick),
      ...(t.note && k === parts - 1 ? { note: t.note } : {}),
    };
  });
}

export interface ReportFigure {
  readonly caption: string;
  /** A standalone SVG document (its XML declaration, if any, is dropped when inlined). */
  readonly svg: string;
}

export interface ReportSection {
  readonly title: string;
  readonly text?: string;
  readonly tables?: readonly ReportTable[];
  readonly figures?: readonly ReportFigure[];
}

export interface Report {
  readonly title: string;
  readonly subtitle?: string;
  readonly sections: readonly ReportSection[];
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A number as the tables show it, as text (not yet HTML): 4 significant decimals at most, NaN as empty. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '';
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

/** A table cell as HTML: text escaped, numbers as formatNumber, null as empty. */
export function formatCell(value: string | number | null): string {
  if (value === null) return '';
  return typeof value === 'string' ? escapeHtml(value) : formatNumber(value);
}

function table(t: ReportTable): string {
  const groups = t.headerGroups
    ? `<tr>${t.headerGroups.map((g) => `<th${g.span > 1 ? ` colspan="${g.span}"` : ''}>${escapeHtml(g.label)}</th>`).join('')}</tr>`
    : '';
  const head = t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${formatCell(c)}</td>`).join('')}</tr>`).join('\n');
  const note = t.note ? `\n<p class="note">${escapeHtml(t.note)}</p>` : '';
  return `<table><caption>${escapeHtml(t.caption)}</caption>\n<thead>${groups}<tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>${note}`;
}

function figure(f: ReportFigure): string {
  const svg = f.svg.replace(/^<\?xml[^>]*>\s*/, '');
  return `<figure>${svg}<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`;
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2em; } .subtitle { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
caption { text-align: left; font-weight: 600; padding: 0.3em 0; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead { position: sticky; top: 0; }
thead th { background: #f0f0f0; vertical-align: bottom; }
thead th[colspan] { text-align: center; }
.note { color: #555; font-size: 0.85em; margin-top: -0.5em; max-width: 60em; }
figure { margin: 1.5em 0; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #555; font-size: 0.9em; }
.scroll { overflow-x: auto; }
`;

export function renderReport(report: Report): string {
  const sections = report.sections
    .map((s) => {
      const parts = [`<section><h2>${escapeHtml(s.title)}</h2>`];
      if (s.text) parts.push(`<p>${escapeHtml(s.text)}</p>`);
      for (const t of s.tables ?? []) parts.push(`<div class="scroll">${table(t)}</div>`);
      for (const f of s.figures ?? []) parts.push(figure(f));
      parts.push('</section>');
      return parts.join('\n');
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(report.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(report.title)}</h1>
${report.subtitle ? `<p class="subtitle">${escapeHtml(report.subtitle)}</p>` : ''}
${sections}
</body>
</html>
`;
}
