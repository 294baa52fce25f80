/**
 * Reading a scenario file: JSON → schema check → the checks that relate two
 * fields → a `Scenario` with times in minutes and defaults filled in.
 * Every problem is an InputError naming the file and the field.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../io/errors.js';
import type { ListedMeal, MealList, MealProtocol, ProtocolMeal, Range, Scenario } from './types.js';
import {
  END_TIME_OF_DAY_PATTERN,
  TIME_OF_DAY_PATTERN,
  timeOfDayReason,
  validateScenarioFile,
  type ListMealsFile,
  type ProtocolMealsFile,
  type ScenarioFile,
} from './schema.js';

const TIME_OF_DAY = new RegExp(TIME_OF_DAY_PATTERN);
const END_TIME_OF_DAY = new RegExp(END_TIME_OF_DAY_PATTERN);

/** Read, validate and convert a scenario file. */
export function loadScenario(file: string): Scenario {
  return parseScenario(parseJson(readText(file), file), file);
}

/** Validate and convert an already parsed scenario (`file` names it in errors). */
export function parseScenario(json: unknown, file: string): Scenario {
  const raw: ScenarioFile = validateScenarioFile(json, file);
  const startTimeOfDayMin = parseTimeOfDay(raw.startTime, file, 'startTime');
  const sensor = raw.sensor.sampleTimeMin === undefined
    ? { model: raw.sensor.model }
    : { model: raw.sensor.model, sampleTimeMin: raw.sensor.sampleTimeMin };
  return {
    file,
    name: raw.name,
    description: raw.description ?? '',
    days: raw.days,
    startTimeOfDayMin,
    controlPeriodMin: raw.controlPeriodMin,
    seed: raw.seed,
    cohort: raw.cohort ?? 'all',
    sensor,
    pump: { model: raw.pump.model },
    controller: { name: raw.controller.name, options: raw.controller.options ?? {} },
    meals: 'protocol' in raw.meals
      ? toProtocol(raw.meals, file)
      : toList(raw.meals, raw.days, startTimeOfDayMin, file),
  };
}

/**
 * "HH:MM" → minutes after midnight. `allowEndOfDay` admits "24:00" (1440),
 * the midnight that ends a day, for the end of a time window.
 */
export function parseTimeOfDay(text: string, file: string, field: string, allowEndOfDay = false): number {
  const pattern = allowEndOfDay ? END_TIME_OF_DAY : TIME_OF_DAY;
  if (typeof text !== 'string' || !pattern.test(text)) throw new InputError(file, field, timeOfDayReason(text, allowEndOfDay));
  return Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
}

function toProtocol(raw: ProtocolMealsFile, file: string): MealProtocol {
  const p = raw.protocol;
  const meals = p.meals.map((m, i): ProtocolMeal => {
    const field = `meals.protocol.meals[${i}]`;
    const fromMin = parseTimeOfDay(m.time.from, file, `${field}.time.from`);
    const toMin = parseTimeOfDay(m.time.to, file, `${field}.time.to`, true);
    if (fromMin >= toMin) {
      throw new InputError(file, `${field}.time`, `from ${m.time.from} must be before to ${m.time.to} (a window cannot cross midnight)`);
    }
    return { name: m.name, carbsG: range(m.carbsG, file, `${field}.carbsG`), fromMin, toMin, omitProbability: m.omitProbability };
  });
  return {
    kind: 'protocol',
    meals,
    durationMin: p.durationMin,
    announceLeadMin: p.announceLeadMin,
    estimateError: range(p.estimateError, file, 'meals.protocol.estimateError'),
  };
}

function toList(raw: ListMealsFile, days: number, startTimeOfDayMin: number, file: string): MealList {
  const meals = raw.list.map((m, i): ListedMeal => {
    const field = `meals.list[${i}]`;
    if (m.day > days) throw new InputError(file, `${field}.day`, `must be ≤ ${days}, the scenario's days (got ${m.day})`);
    const timeMin = parseTimeOfDay(m.time, file, `${field}.time`);
    // A meal before the start on day 1 would never be eaten: say so rather than drop it.
    if (m.day === 1 && timeMin < startTimeOfDayMin) {
      throw new InputError(file, `${field}.time`, `${m.time} on day 1 is before the scenario's startTime`);
    }
    return {
      day: m.day,
      timeMin,
      carbsG: m.carbsG,
      estimatedCarbsG: m.estimatedCarbsG ?? m.carbsG,
      durationMin: m.durationMin ?? raw.durationMin,
    };
  });
  return { kind: 'list', meals, durationMin: raw.durationMin, announceLeadMin: raw.announceLeadMin };
}

function range(r: { min: number; max: number }, file: string, field: string): Range {
  if (r.min > r.max) throw new InputError(file, field, `min (${r.min}) must be ≤ max (${r.max})`);
  return { min: r.min, max: r.max };
}

function readText(file: string): string {
  try {
    // A UTF-8 byte-order mark is not JSON, but editors write one.
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found'
      : code === 'EISDIR' ? 'is a directory, not a scenario file'
        : code === 'EACCES' ? 'permission denied'
          : `cannot read the file (${(e as Error).message})`;
    throw new InputError(file, '', reason);
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8's message sometimes gives an offset, sometimes quotes the source
    // instead; keep its wording, drop both, and locate the error ourselves.
    const what = (e as Error).message
      .replace(/, ".*" is not valid JSON$/s, '')
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/\s+/g, ' ');
    const offset = syntaxErrorOffset(text);
    const where = offset === undefined ? '' : ` at line ${lineColumn(text, offset)}`;
    throw new InputError(file, '', `invalid JSON${where}: ${what}`);
  }
}

/** "3, column 7" for a 0-based offset (both 1-based, columns in UTF-16 units). */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `${line}, column ${column}`;
}

class SyntaxStop {
  constructor(readonly offset: number) {}
}

/**
 * Offset of the first syntax error by the JSON grammar (RFC 8259), or
 * undefined if there is none. Needed because V8's JSON.parse does not report
 * the position of every error ("Unexpected token …" quotes the text instead).
 */
function syntaxErrorOffset(text: string): number | undefined {
  let i = 0;
  const stop = (): never => {
    throw new SyntaxStop(i);
  };
  const space = (): void => {
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  };
  const expect = (c: string): void => {
    if (text[i] !== c) stop();
    i++;
  };
  const digits = (): void => {
    const first = i;
    while (text[i] !== undefined && text[i]! >= '0' && text[i]! <= '9') i++;
    if (i === first) stop();
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') stop();
      i++;
      if (c === '"') return;
      if (c !== '\\') continue;
      const escape = text[i];
      if (escape === 'u') {
        i++;
        for (let k = 0; k < 4; k++) {
          if (!/^[0-9a-fA-F]$/.test(text[i] ?? '')) stop();
          i++;
        }
      } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) i++;
      else stop();
    }
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const sequence = (close: string, element: () => void): void => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      element();
      space();
      if (text[i] !== ',') break;
      i++;
    }
    expect(close);
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{') {
      sequence('}', () => {
        space();
        string();
        space();
        expect(':');
        value();
      });
    } else if (c === '[') sequence(']', value);
    else if (c === '"') string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else if (c === 't') for (const k of 'true') expect(k);
    else if (c === 'f') for (const k of 'false') expect(k);
    else if (c === 'n') for (const k of 'null') expect(k);
    else stop();
  };
  try {
    value();
    space();
    if (i < text.length) stop();
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxStop) return e.offset;
    throw e;
  }
}
