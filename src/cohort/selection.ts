/** Choosing patients of a cohort by name, by group, or all. */
import { InputError } from '../io/errors.js';

export interface Named {
  readonly name: string;
  readonly group: string;
}

/**
 * Select patients by a comma-separated list of names (`adult#001`), groups
 * (`adolescents`, `adults`, `children`, `t2dm` …: the groups the cohort has)
 * or `all`, in cohort order without repeats. `source` (a file or an option)
 * and `field` name where the selection came from, for errors.
 */
export function selectPatients<P extends Named>(cohort: readonly P[], selection: string, source: string, field = 'cohort'): P[] {
  const groups = [...new Set(cohort.map((p) => p.group))];
  const wanted = new Set<string>();
  const items = selection.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new InputError(source, field, 'empty selection');
  for (const item of items) {
    if (item === 'all') {
      cohort.forEach((p) => wanted.add(p.name));
    } else if (groups.includes(item)) {
      cohort.filter((p) => p.group === item).forEach((p) => wanted.add(p.name));
    } else if (cohort.some((p) => p.name === item)) {
      wanted.add(item);
    } else {
      const example = cohort[0]?.name ?? 'a patient name';
      throw new InputError(source, field, `unknown patient or group '${item}' (use a name like ${example}, one of ${groups.join(', ')}, or all)`);
    }
  }
  return cohort.filter((p) => wanted.has(p.name));
}

/** One patient by name; the error names the source and the range of known names. */
export function findPatient<P extends Named>(cohort: readonly P[], name: string, source: string, field = ''): P {
  const p = cohort.find((q) => q.name === name);
  if (!p) throw new InputError(source, field, `unknown patient '${name}' (known: ${cohort[0]?.name} … ${cohort[cohort.length - 1]?.name})`);
  return p;
}
