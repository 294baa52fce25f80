/**
 * A self-contained HTML report: tables and inline SVG figures, no scripts,
 * no external resources, so it opens offline in any browser and renders the
 * same in headless Chromium.
 */

export interface ReportTable {
  readonly caption: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly (string | number | null)[])[];
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

/** A table cell: numbers to 4 significant decimals at most, null/NaN as empty. */
export function formatCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'string') return escapeHtml(value);
  if (!Number.isFinite(value)) return '';
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(1) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

function table(t: ReportTable): string {
  const head = t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${formatCell(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><caption>${escapeHtml(t.caption)}</caption>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
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
thead th { background: #f0f0f0; position: sticky; top: 0; }
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
