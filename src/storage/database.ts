import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Kysely, Migrator, PostgresDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { AppError } from '../core/errors.js';
import { PGliteDialect } from './pglite-dialect.js';
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

const MIGRATIONS_DIR = join(fileURLToPath(new URL('.', import.meta.url)), 'migrations');

// int8 (bigserial ids, counts) as strings on both engines, so ids never lose precision and look alike.
const INT8_OID = 20;
pg.types.setTypeParser(INT8_OID, (v) => v);
// numeric as number: money amounts here fit comfortably in a double.
pg.types.setTypeParser(1700, (v) => Number(v));

// PostgreSQL's default 128MB buffer pool lives inside PGlite's WebAssembly memory and is never
// given back; with 100k customers it alone pushes the process past 300 MB. The OS page cache still
// holds the files, so a smaller pool costs a copy, not a disk read (bench/memory.bench.ts).
const PGLITE_SHARED_BUFFERS = '32MB';

/** Opens PostgreSQL when `databaseUrl` is given, else PGlite persisted under `dataDir`. */
export async function openStore(options: { databaseUrl?: string; dataDir?: string; poolSize?: number }): Promise<Store> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  if (!options.dataDir) throw new AppError('config_invalid', 'either DATABASE_URL or DATA_DIR must be set');
  return openPGlite(options.dataDir);
}

async function openPostgres(url: string, max: number): Promise<Store> {
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

async function openPGlite(dataDir: string): Promise<Store> {
  const dir = join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const pglite = await PGlite.create(dir, {
    parsers: { [INT8_OID]: (v: string) => v, 1700: (v: string) => Number(v) },
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
  });
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

/** Loads migrations from src/storage/migrations (files sort by their numeric prefix). */
class FolderMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
      .sort();
    const out: Record<string, Migration> = {};
    for (const file of files) {
      out[file.replace(/\.(ts|js)$/, '')] = (await import(pathToFileURL(join(MIGRATIONS_DIR, file)).href)) as Migration;
    }
    return out;
  }
}

async function allApplied(db: Kysely<any>): Promise<boolean> {
  const names = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.(ts|js)$/, ''));
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    const applied = new Set(rows.map((r) => r.name));
    return names.every((n) => applied.has(n));
  } catch {
    // No migration table yet (a fresh database): the migrator creates it.
    return false;
  }
}

/** Applies pending migrations; returns the names applied. Safe to call from several instances at once. */
export async function migrate(db: Kysely<any>): Promise<string[]> {
  // Warm start: when every file is already recorded, skip loading (transpiling) them all.
  if (await allApplied(db)) return [];
  // Unordered: a migration merged later with a lower number still applies on a database that has newer ones.
  const migrator = new Migrator({ db, provider: new FolderMigrationProvider(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new AppError('internal', `migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
