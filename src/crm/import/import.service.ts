import type { Db } from '../../storage/database.js';
import { describeIssue, parseCatalogRow, type CatalogRow } from '../catalog/catalog-row.js';
import { CatalogRepository } from '../catalog/catalog.repository.js';
import { CustomerImportRepository } from './customer-import.repository.js';
import { customerImportSchema, orderImportSchema, type CustomerImportRow, type OrderImportRow } from './import-schemas.js';
import type { BatchResult, ImportKind, ImportSummary, RejectedRow, SourceRow } from './import.types.js';
import { OrderImportRepository } from './order-import.repository.js';

export interface ImportOptions {
  /** Rows per INSERT statement (default 500). */
  batchSize?: number;
  /** Statements per transaction (default 10). */
  batchesPerTransaction?: number;
  /** Called after each batch with rows handled so far (valid or not) and the total. */
  onProgress?: (done: number, total: number) => void;
}

interface Handler<T> {
  parse(data: unknown): { ok: true; row: T } | { ok: false; reason: string };
  key(row: T): string;
  write(db: Db, rows: T[]): Promise<BatchResult>;
}

const handlers: { [K in ImportKind]: Handler<K extends 'products' ? CatalogRow : K extends 'customers' ? CustomerImportRow : OrderImportRow> } = {
  products: {
    parse: parseCatalogRow,
    key: (r) => r.sku,
    write: async (db, rows) => ({ ...(await new CatalogRepository(db).upsertMany(rows)), rejected: [] }),
  },
  customers: {
    parse: zodParser(customerImportSchema),
    key: (r) => r.shopCustomerId,
    write: (db, rows) => new CustomerImportRepository(db).upsertBatch(rows),
  },
  orders: {
    parse: zodParser(orderImportSchema),
    key: (r) => r.id,
    // Totals move with the orders, in the same transaction: recomputed once at the end, a crash
    // between the two left committed orders that a re-run finds unchanged and never counts.
    write: async (db, rows) => {
      const repo = new OrderImportRepository(db);
      const result = await repo.upsertBatch(rows);
      await repo.recomputeTotals(result.customerIds);
      return result;
    },
  },
};

function zodParser<T>(schema: { safeParse(d: unknown): { success: true; data: T } | { success: false; error: any } }) {
  return (data: unknown): { ok: true; row: T } | { ok: false; reason: string } => {
    const r = schema.safeParse(data);
    return r.success ? { ok: true, row: r.data } : { ok: false, reason: describeIssue(r.error) };
  };
}

/**
 * Bulk import: validates every row, keeps the last row per key, upserts in multi-row batches inside
 * transactions, and reports what changed. Rows the database refuses are isolated and rejected
 * one by one instead of failing the file.
 */
export class ImportService {
  constructor(private readonly db: Db) {}

  async run(kind: ImportKind, source: SourceRow[], options: ImportOptions = {}): Promise<ImportSummary> {
    const started = performance.now();
    const handler = handlers[kind] as Handler<unknown>;
    const summary: ImportSummary = { kind, read: source.length, inserted: 0, updated: 0, unchanged: 0, rejected: 0, duplicates: 0, seconds: 0, rejectedRows: [] };
    const reject = (r: RejectedRow) => summary.rejectedRows.push(r);
    const valid = new Map<string, { line: number; data: unknown; row: unknown }>();
    for (const s of source) {
      const invalid = (s.data as { __invalid?: string } | null)?.__invalid;
      const parsed = invalid ? { ok: false as const, reason: invalid } : handler.parse(s.data);
      if (!parsed.ok) {
        reject({ line: s.line, reason: parsed.reason, row: s.data });
        continue;
      }
      const key = handler.key(parsed.row);
      if (valid.delete(key)) summary.duplicates++;
      valid.set(key, { line: s.line, data: s.data, row: parsed.row });
    }
    const rows = [...valid.values()];
    const batchSize = options.batchSize ?? 500;
    const perTx = batchSize * (options.batchesPerTransaction ?? 10);
    let done = source.length - rows.length;
    options.onProgress?.(done, source.length);
    for (let i = 0; i < rows.length; i += perTx) {
      const chunk = rows.slice(i, i + perTx);
      const results = await this.writeChunk(handler, chunk, batchSize, (n) => options.onProgress?.((done += n), source.length));
      for (const { result, batch } of results) {
        summary.inserted += result.inserted;
        summary.updated += result.updated;
        summary.unchanged += result.unchanged;
        for (const r of result.rejected) reject({ line: batch[r.index].line, reason: r.reason, row: batch[r.index].data });
      }
    }
    summary.rejectedRows.sort((a, b) => a.line - b.line);
    summary.rejected = summary.rejectedRows.length;
    summary.seconds = Math.round((performance.now() - started) / 10) / 100;
    return summary;
  }

  private async writeChunk<R extends { line: number; data: unknown; row: unknown }>(handler: Handler<unknown>, chunk: R[], batchSize: number, progress: (n: number) => void) {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const out: { result: BatchResult; batch: R[] }[] = [];
        for (let j = 0; j < chunk.length; j += batchSize) {
          const batch = chunk.slice(j, j + batchSize);
          out.push({ result: await handler.write(trx, batch.map((b) => b.row)), batch });
          progress(batch.length);
        }
        return out;
      });
    } catch {
      // Something in this chunk broke a constraint: find it by writing row by row.
      progress(-chunk.length);
      const out: { result: BatchResult; batch: R[] }[] = [];
      for (const item of chunk) {
        try {
          const result = await this.db.transaction().execute((trx) => handler.write(trx, [item.row]));
          out.push({ result, batch: [item] });
        } catch (err) {
          out.push({ result: { inserted: 0, updated: 0, unchanged: 0, rejected: [{ index: 0, reason: `database refused the row: ${(err as Error).message}` }] }, batch: [item] });
        }
        progress(1);
      }
      return out;
    }
  }
}
