import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { AppError } from '../../core/errors.js';
import type { SourceRow } from './import.types.js';

/**
 * Reads an import file: a JSON array, a JSON object `{items: […]}`, JSON Lines (.jsonl/.ndjson),
 * or CSV (header row; `a|b` lists, JSON cells, dotted columns such as `attr.color` or
 * `marketingConsent.channel` become nested objects).
 */
export async function readImportFile(path: string): Promise<SourceRow[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AppError('bad_request', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  text = text.replace(/^\uFEFF/, '');
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv') return parseCsv(text, ext === '.tsv' ? '\t' : ',', path);
  if (ext === '.jsonl' || ext === '.ndjson') return parseJsonLines(text, path);
  const first = text.trimStart()[0];
  if (first === '[' || first === '{') return parseJson(text, path);
  return parseCsv(text, ',', path);
}

function parseJson(text: string, path: string): SourceRow[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new AppError('bad_request', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  let items: unknown[];
  let arrayStart: number;
  if (Array.isArray(data)) {
    items = data;
    arrayStart = text.indexOf('[');
  } else if (data && typeof data === 'object' && Array.isArray((data as { items?: unknown }).items)) {
    items = (data as { items: unknown[] }).items;
    arrayStart = findItemsArray(text);
  } else {
    throw new AppError('bad_request', `${path} must hold a JSON array or an object {"items": [...]}`);
  }
  const lines = elementLines(text, arrayStart);
  return items.map((data, i) => ({ line: lines[i] ?? 0, data }));
}

function parseJsonLines(text: string, path: string): SourceRow[] {
  const rows: SourceRow[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    try {
      rows.push({ line: i + 1, data: JSON.parse(raw) });
    } catch (err) {
      // Kept as a row so it is reported as rejected with its line, not fatal for the file.
      rows.push({ line: i + 1, data: { __invalid: `not valid JSON: ${(err as Error).message}`, raw } });
    }
  });
  if (rows.length === 0 && text.trim()) throw new AppError('bad_request', `${path} holds no JSON lines`);
  return rows;
}

function parseCsv(text: string, delimiter: string, path: string): SourceRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { columns: true, delimiter, skip_empty_lines: true, trim: true, info: true, relax_column_count: true, bom: true }) as never;
  } catch (err) {
    throw new AppError('bad_request', `${path} is not valid CSV: ${(err as Error).message}`);
  }
  // info.lines is the line a record ends on; a record starts after the previous one ended.
  let previousEnd = 1;
  return records.map(({ record, info }) => {
    const line = previousEnd + 1;
    previousEnd = info.lines;
    return { line, data: unflattenCsvRecord(record) };
  });
}

/** Turns one CSV record into the JSON shape rows have: empty cells dropped, dotted keys nested. */
export function unflattenCsvRecord(record: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(record)) {
    if (value === '' || value === undefined) continue;
    const key = rawKey.replace(/^attr\./, 'attributes.');
    const cell = /^[[{]/.test(value) ? tryJson(value) : value;
    const path = key.split('.');
    let target = out;
    for (const part of path.slice(0, -1)) {
      if (typeof target[part] !== 'object' || target[part] === null) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    const last = path[path.length - 1];
    const existing = target[last];
    // `attributes` as a JSON cell and `attr.*` columns together: both count.
    target[last] = isPlainObject(existing) && isPlainObject(cell) ? { ...cell, ...existing } : cell;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tryJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

// Finds the '[' of the top-level "items" key (depth-1 key of the root object).
function findItemsArray(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = skipString(text, i);
      if (depth === 1 && text.slice(i, end + 1) === '"items"') {
        const j = text.indexOf('[', end);
        if (/^\s*:\s*$/.test(text.slice(end + 1, j))) return j;
      }
      i = end;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return -1;
}

/** The 1-based line on which each element of the array opened at `start` begins. */
function elementLines(text: string, start: number): number[] {
  const out: number[] = [];
  if (start < 0) return out;
  let line = 1;
  for (let i = 0; i < start; i++) if (text.charCodeAt(i) === 10) line++;
  let depth = 0;
  let expecting = true;
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    else if (c === ' ' || c === '\t' || c === '\r') continue;
    else if (depth === 0 && c === ']') break;
    else if (depth === 0 && c === ',') expecting = true;
    else {
      if (depth === 0 && expecting) {
        out.push(line);
        expecting = false;
      }
      if (c === '"') {
        const end = skipString(text, i);
        for (let k = i; k < end; k++) if (text.charCodeAt(k) === 10) line++;
        i = end;
      } else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') depth--;
    }
  }
  return out;
}

function skipString(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j;
  }
  return text.length;
}
