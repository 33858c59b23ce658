/**
 * Readers for labelled utterance files: JSONL `{"text","intent"}` (our CLI format) and the
 * Bitext customer-service CSV used to measure the built-in model.
 */
import { readFile } from 'node:fs/promises';
import type { IntentExample } from './intent-engine.js';

/** A dataset line that cannot be used; the message names the file and the 1-based line. */
export class DatasetError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
    this.name = 'DatasetError';
  }
}

/**
 * Parses JSONL text; every non-blank line must be an object with a non-empty string `text`
 * and, when `requireIntent`, a non-empty string `intent`.
 */
export function parseJsonl(content: string, file: string, requireIntent: boolean): { text: string; intent?: string }[] {
  const out: { text: string; intent?: string }[] = [];
  content.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DatasetError(file, i + 1, 'not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DatasetError(file, i + 1, 'expected a JSON object');
    const { text, intent } = value as Record<string, unknown>;
    if (typeof text !== 'string' || text.trim() === '') throw new DatasetError(file, i + 1, '"text" must be a non-empty string');
    if (intent !== undefined && (typeof intent !== 'string' || intent.trim() === '')) {
      throw new DatasetError(file, i + 1, '"intent" must be a non-empty string');
    }
    if (requireIntent && intent === undefined) throw new DatasetError(file, i + 1, 'missing "intent"');
    out.push(intent === undefined ? { text } : { text, intent: intent as string });
  });
  return out;
}

/** Reads a labelled JSONL file; throws `DatasetError` for a missing file, a bad line or no examples. */
export async function readExamplesFile(file: string): Promise<IntentExample[]> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (err) {
    throw new DatasetError(file, 0, `cannot read file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const rows = parseJsonl(content, file, true) as IntentExample[];
  if (rows.length === 0) throw new DatasetError(file, 0, 'no examples');
  return rows;
}

/** Splits one CSV record with RFC 4180 quoting (no embedded newlines in this data). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') cells.push(cell), (cell = '');
    else cell += ch;
  }
  cells.push(cell);
  return cells;
}

// Plausible values for Bitext's {{placeholders}}, so the model sees text like a real customer's.
const PLACEHOLDERS: Record<string, string> = {
  'order number': 'A1023',
  'invoice number': 'INV-20931',
  'account type': 'premium',
  'account category': 'business',
  'refund amount': '$45',
  'person name': 'Maria',
  'currency symbol': '$',
  'delivery city': 'Denver',
  'delivery country': 'Canada',
  'customer support phone number': '800-555-0199',
  'website url': 'shop.example.com',
};

/** Replaces `{{Name}}` placeholders with a plausible value (or the bare name when unknown). */
export function fillPlaceholders(text: string): string {
  return text.replace(/\{\{\s*([^}]+?)\s*\}\}/g, (_, name: string) => PLACEHOLDERS[name.toLowerCase()] ?? name);
}

/** Reads Bitext's `flags,utterance,category,intent` CSV (UTF-8 with BOM) as examples. */
export async function readBitextCsv(file: string): Promise<IntentExample[]> {
  const content = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  const lines = content.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0]).map((h) => h.trim());
  const textCol = header.indexOf('utterance');
  const intentCol = header.indexOf('intent');
  if (textCol < 0 || intentCol < 0) throw new DatasetError(file, 1, 'expected columns "utterance" and "intent"');
  return lines.slice(1).map((line) => {
    const cells = splitCsvLine(line);
    return { text: fillPlaceholders(cells[textCol] ?? ''), intent: (cells[intentCol] ?? '').trim() };
  });
}
