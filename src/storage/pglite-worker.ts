import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AppError } from '../core/errors.js';

/** What the Kysely dialect and the store need from PGlite (the in-process instance or the worker below). */
export interface PGliteHandle {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>;
  close(): Promise<void>;
  readonly closed: boolean;
}

export interface PGliteOpenOptions {
  /** PostgreSQL start parameters (`-c name=value` pairs after PGlite's defaults). */
  settings: Record<string, string>;
}

/** PostgreSQL `-c name=value` start parameters for PGlite from a settings map. */
export function startParamsFor(settings: Record<string, string>): string[] {
  return Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

/** Fields of a PostgreSQL error that callers look at (SQLSTATE `code`, `constraint`, …), kept across the thread boundary. */
const ERROR_FIELDS = ['code', 'detail', 'hint', 'constraint', 'table', 'column', 'schema', 'severity', 'position', 'where'] as const;

/**
 * Runs in the worker thread: opens PGlite, then answers `{id, sql, params}` with `{id, rows, affectedRows}`
 * or `{id, error}`. A CommonJS script evaluated as-is, so it needs no loader under tsx, vitest, the
 * start-up bundle or dist/. int8 stays a string and numeric becomes a number, as on the pg driver.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
const FIELDS = ${JSON.stringify(ERROR_FIELDS)};
const plain = (e) => {
  const out = { name: e && e.name, message: String((e && e.message) || e), stack: e && e.stack };
  for (const f of FIELDS) if (e && e[f] !== undefined) out[f] = e[f];
  return out;
};
(async () => {
  let db;
  try {
    db = await PGlite.create(workerData.dir, {
      parsers: { 20: (v) => v, 1700: (v) => Number(v) },
      startParams: [...PGlite.defaultStartParams, ...workerData.startParams],
    });
  } catch (e) {
    parentPort.postMessage({ id: 0, error: plain(e) });
    return;
  }
  parentPort.postMessage({ id: 0 });
  parentPort.on('message', async (m) => {
    try {
      if (m.close) {
        await db.close();
        parentPort.postMessage({ id: m.id });
        return;
      }
      const r = await db.query(m.sql, m.params);
      parentPort.postMessage({ id: m.id, rows: r.rows, affectedRows: r.affectedRows });
    } catch (e) {
      parentPort.postMessage({ id: m.id, error: plain(e) });
    }
  });
})();
`;

type Reply = { id: number; rows?: unknown[]; affectedRows?: number; error?: Record<string, unknown> & { message: string } };

/**
 * PGlite in a worker thread. PostgreSQL-in-WebAssembly is CPU work that would otherwise run on the
 * event loop between every HTTP request; here it runs on a second core while the main thread
 * parses, classifies and answers. Queries keep their order (one message port, one PGlite session),
 * errors keep their SQLSTATE fields, and an exited worker fails every pending and later query
 * with a clear `unavailable` error instead of hanging.
 */
export class PGliteWorker implements PGliteHandle {
  private readonly pending = new Map<number, { resolve: (r: Reply) => void }>();
  private nextId = 1;
  private exited: Error | null = null;
  private closing: Promise<void> | null = null;

  private constructor(private readonly worker: Worker, private readonly dir: string) {
    worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      waiter.resolve(reply);
    });
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`the database worker exited (code ${code})`)));
  }

  /** Starts the worker and waits until PGlite has opened `dir`. */
  static async open(dir: string, options: PGliteOpenOptions): Promise<PGliteWorker> {
    const startParams = startParamsFor(options.settings);
    const pglite = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dir, startParams, pglite }, stdout: false, stderr: false });
    const handle = new PGliteWorker(worker, dir);
    const ready = await new Promise<Reply>((resolve) => handle.pending.set(0, { resolve }));
    if (ready.error) {
      await worker.terminate();
      throw toError(ready.error);
    }
    return handle;
  }

  get closed(): boolean {
    return this.exited !== null || this.closing !== null;
  }

  async query<R>(sql: string, params: unknown[] = []): Promise<{ rows: R[]; affectedRows?: number }> {
    const reply = await this.send({ sql, params });
    if (reply.error) throw toError(reply.error);
    return { rows: reply.rows as R[], affectedRows: reply.affectedRows };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.exited) {
        const reply = await this.send({ close: true }, true);
        if (reply.error && !this.exited) throw toError(reply.error);
      }
      await this.worker.terminate();
    })();
    return this.closing;
  }

  /** Stops the thread at once, as a crash would: pending and later queries fail as `unavailable` (fault tests). */
  async kill(): Promise<void> {
    await this.worker.terminate();
  }

  private send(message: Record<string, unknown>, duringClose = false): Promise<Reply> {
    if (this.exited) return Promise.reject(this.unavailable(this.exited));
    if (this.closing && !duringClose) return Promise.reject(new AppError('unavailable', `the database in ${this.dir} is closed`));
    const id = this.nextId++;
    return new Promise<Reply>((resolve) => {
      this.pending.set(id, { resolve });
      // Referenced while a query is in flight, like a socket; idle, it does not keep the process alive.
      this.worker.ref();
      try {
        this.worker.postMessage({ id, ...message });
      } catch (err) {
        this.pending.delete(id);
        resolve({ id, error: { message: `could not send the query to the database worker: ${(err as Error).message}` } });
      }
    });
  }

  private fail(err: Error): void {
    if (this.exited) return;
    this.exited = err;
    for (const [id, waiter] of this.pending) waiter.resolve({ id, error: { message: this.unavailable(err).message, code: 'unavailable' } });
    this.pending.clear();
  }

  private unavailable(err: Error): AppError {
    return new AppError('unavailable', `database unavailable (embedded PGlite in ${this.dir}): ${err.message}`);
  }
}

/** Rebuilds an error from the worker: same message and SQLSTATE fields, stack from both threads. */
function toError(plain: Record<string, unknown> & { message: string }): Error {
  if (plain.code === 'unavailable') return new AppError('unavailable', plain.message);
  const err = new Error(plain.message) as Error & Record<string, unknown>;
  if (typeof plain.name === 'string') err.name = plain.name;
  for (const f of ERROR_FIELDS) if (plain[f] !== undefined) err[f] = plain[f];
  if (typeof plain.stack === 'string') err.stack = `${err.stack}\n    --- in the database worker ---\n${plain.stack}`;
  return err;
}
