/** What `patron import` can load. */
export type ImportKind = 'products' | 'customers' | 'orders';
export const IMPORT_KINDS: readonly ImportKind[] = ['products', 'customers', 'orders'];

/** One record read from a file, with the line it starts on (1-based) for error reports. */
export interface SourceRow {
  line: number;
  data: unknown;
}

export interface RejectedRow {
  line: number;
  reason: string;
  row: unknown;
}

export interface ImportSummary {
  kind: ImportKind;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** Rows superseded by a later row with the same key in the same file (the later one wins). */
  duplicates: number;
  seconds: number;
  rejectedRows: RejectedRow[];
}

/** Result of writing one batch: counts plus rows the database refused (by index in the batch). */
export interface BatchResult {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: { index: number; reason: string }[];
}
