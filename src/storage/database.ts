import { existsSync, mkdirSync } from 'node:fs';
import v8 from 'node:v8';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import type pg from 'pg';
import { AppError } from '../core/errors.js';
import { MIGRATIONS, MIGRATION_NAMES } from './migration-list.js';
import { PGliteDialect } from './pglite-dialect.js';
import { PGliteWorker, startParamsFor, type PGliteHandle } from './pglite-worker.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

/** An open store: the Kysely handle plus what start-up, /readyz and shutdown need. */
export interface Store {
  readonly db: Db;
  readonly kind: 'pglite' | 'postgres';
  /** Where the data lives, for messages (a data dir or a redacted URL). */
  readonly location: string;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

// int8 (bigserial ids, counts) as strings on both engines, so ids never lose precision and look alike;
// numeric as number: money amounts here fit comfortably in a double.
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** node-postgres, loaded only for DATABASE_URL (the embedded default never needs it). */
async function loadPg(): Promise<typeof pg> {
  const { default: pgModule } = await import('pg');
  pgModule.types.setTypeParser(INT8_OID, (v) => v);
  pgModule.types.setTypeParser(NUMERIC_OID, (v) => Number(v));
  return pgModule;
}

// PostgreSQL's default 128MB buffer pool lives inside PGlite's WebAssembly memory and is never
// given back; with 100k customers it alone pushes the process past 300 MB. The OS page cache still
// holds the files, so a smaller pool costs a copy, not a disk read (bench/memory.bench.ts).
const PGLITE_SHARED_BUFFERS = '16MB';
// The same holds for what VACUUM and index builds take (64MB by default): a table maintenance pass
// over many dead rows would keep that much for good. A smaller budget costs extra index passes.
const PGLITE_MAINTENANCE_WORK_MEM = '16MB';

/**
 * Opens PostgreSQL when `databaseUrl` is given, else PGlite persisted under `dataDir` — in a worker
 * thread unless `pgliteWorker` is false.
 */
export async function openStore(options: {
  databaseUrl?: string; dataDir?: string; poolSize?: number; pgliteWorker?: boolean; pgliteOptimize?: boolean;
}): Promise<Store> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  if (!options.dataDir) throw new AppError('config_invalid', 'either DATABASE_URL or DATA_DIR must be set');
  if (!options.pgliteOptimize) baselineWasmOnly();
  return openPGlite(options.dataDir, options.pgliteWorker ?? false);
}

/**
 * V8 compiles WebAssembly twice: quickly (Liftoff), then hot functions again optimised (TurboFan).
 * For PGlite's ~9 MB module the optimised copies cost ~50 MB of resident memory (284 → 233 MB with
 * 100k customers, bench/memory) and a core's worth of background compiling at start-up. Chat turns
 * are dominated by per-query overhead and run as fast without it (bench/webchat); heavy SQL — bulk
 * imports, big segments, campaign fan-out — takes ~45 % longer (an aggregation over 100k
 * customers: 90 → 131 ms, measured for issue 9), hence PGLITE_OPTIMIZE for shops that would
 * rather spend the memory. The flag is process-wide and applies to modules compiled after it is
 * set; PGlite compiles on open, so this covers the main thread and the worker alike.
 */
function baselineWasmOnly(): void {
  v8.setFlagsFromString('--liftoff-only');
}

async function openPostgres(url: string, max: number): Promise<Store> {
  const pg = await loadPg();
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const location = redactUrl(url);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: guardedPool(pool, location) }) });
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy();
    throw new AppError('unavailable', `cannot reach PostgreSQL at ${location}: ${(err as Error).message}`);
  }
  return { db, kind: 'postgres', location, ping: () => pingDb(db), close: () => db.destroy() };
}

// Connection-level failures (server down, restarting, connection cut): SQLSTATE class 08, 57P01-03,
// and socket errors. These are "try again later" (503), not bugs (500).
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03']);

function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && (CONNECTION_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message ?? '');
}

function unavailable(err: unknown, location: string): unknown {
  if (!isConnectionError(err)) return err;
  return new AppError('unavailable', `database unavailable (PostgreSQL at ${location}): ${(err as Error).message}; try again shortly`);
}

/** The pool as Kysely sees it, with connection failures turned into AppError('unavailable'). */
function guardedPool(pool: pg.Pool, location: string) {
  return {
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw unavailable(err, location);
      }
      return {
        query: (async (text: string, values?: unknown[]) => {
          try {
            return await client.query(text, values);
          } catch (err) {
            throw unavailable(err, location);
          }
        }) as pg.PoolClient['query'],
        // A client whose connection broke is not given back to the pool.
        release: (destroy?: boolean | Error) => client.release(destroy),
      };
    },
    end: () => pool.end(),
  };
}

async function openPGlite(dataDir: string, inWorker: boolean): Promise<Store> {
  const dir = join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const settings = { shared_buffers: PGLITE_SHARED_BUFFERS, maintenance_work_mem: PGLITE_MAINTENANCE_WORK_MEM };
  // A new data dir is created (initdb) in a throwaway worker thread: initdb's WebAssembly memory
  // (~450 MB at its peak) goes away with the thread instead of staying with the server until its
  // first restart — first-start RSS 712 → 363 MB for ~0.5 s more (measured for the issue 9 note).
  if (!existsSync(join(dir, 'PG_VERSION'))) await (await PGliteWorker.open(dir, { settings })).close();
  let pglite: PGliteHandle;
  if (inWorker) {
    pglite = await PGliteWorker.open(dir, { settings });
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    pglite = await PGlite.create(dir, {
      parsers: { [INT8_OID]: (v: string) => v, [NUMERIC_OID]: (v: string) => Number(v) },
      startParams: [...PGlite.defaultStartParams, ...startParamsFor(settings)],
    });
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    location: dir,
    ping: () => pingDb(db),
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

async function pingDb(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}

/** The shipped migrations (src/storage/migration-list.ts). */
class ListMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...MIGRATIONS };
  }
}

async function allApplied(db: Kysely<any>): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const applied = new Set(rows.map((r) => r.name));
    return MIGRATION_NAMES.every((n) => applied.has(n));
  } catch {
    // No migration table yet (a fresh database): the migrator creates it.
    return false;
  }
}

/** Applies pending migrations; returns the names applied. Safe to call from several instances at once. */
export async function migrate(db: Kysely<any>): Promise<string[]> {
  // Warm start: when every migration is already recorded, skip the migrator's lock and bookkeeping.
  if (await allApplied(db)) return [];
  // Unordered: a migration merged later with a lower number still applies on a database that has newer ones.
  const migrator = new Migrator({ db, provider: new ListMigrationProvider(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new AppError('internal', `migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
