import { resolve } from 'node:path';
import { sql } from 'kysely';
import { loadEnv } from '../core/config.js';
import { MIGRATION_NAMES } from '../storage/migration-list.js';
import { lockDataDir } from '../storage/data-dir-lock.js';
import { migrate, openStore, type Db, type Store } from '../storage/database.js';

const USAGE = `Usage: patron migrate [--status] [--data-dir DIR] [--database-url URL]

  Applies pending database migrations to DATABASE_URL (PostgreSQL) or the embedded database in
  DATA_DIR, and prints each one applied. --status only lists what is pending.
  The server applies migrations at start too; run this before a rolling deploy, or to check.
  Exit status: 0 done, 1 failed, 2 usage error.
`;

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

// Kysely's Migrator records applied migrations here.
const MIGRATION_TABLE = 'kysely_migration';

/** Names of the migrations shipped with this build, in order. */
export function shippedMigrations(): string[] {
  return [...MIGRATION_NAMES];
}

/** Shipped migrations that the database has not recorded as applied. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.tables where table_schema = current_schema() and table_name = ${MIGRATION_TABLE}`.execute(db);
  const applied = new Set<string>();
  if (rows[0].n > 0) {
    const done = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
    for (const r of done.rows) applied.add(r.name);
  }
  return shippedMigrations().filter((name) => !applied.has(name));
}

interface Args {
  status: boolean;
  dataDir?: string;
  databaseUrl?: string;
}

function parseArgs(argv: string[]): Args | 'help' | string {
  const args: Args = { status: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') return 'help';
    if (a === '--status') args.status = true;
    else if (a === '--data-dir' || a === '--database-url') {
      const value = argv[++i];
      if (!value) return `${a} needs a value`;
      if (a === '--data-dir') args.dataDir = value;
      else args.databaseUrl = value;
    } else return `unknown argument ${JSON.stringify(a)}`;
  }
  return args;
}

/**
 * Opens the database the server would use (flags override the environment). The embedded one is
 * locked first, so this refuses to run beside a server using the same DATA_DIR.
 */
export async function openConfiguredStore(args: { dataDir?: string; databaseUrl?: string }, env: NodeJS.ProcessEnv): Promise<{ store: Store; release: () => Promise<void> }> {
  const config = loadEnv(env);
  const databaseUrl = args.databaseUrl ?? config.DATABASE_URL;
  const dataDir = resolve(args.dataDir ?? config.DATA_DIR);
  const unlock = databaseUrl ? () => {} : lockDataDir(dataDir);
  try {
    const store = await openStore({ databaseUrl, dataDir });
    return { store, release: async () => { await store.close(); unlock(); } };
  } catch (err) {
    unlock();
    throw err;
  }
}

/** `patron migrate`: returns the exit status. */
export async function runMigrate(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }, deps: { env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (typeof args === 'string') {
    io.stderr.write(`patron migrate: ${args}\n\n${USAGE}`);
    return 2;
  }
  const { store, release } = await openConfiguredStore(args, deps.env ?? process.env);
  try {
    const pending = await pendingMigrations(store.db);
    if (args.status) {
      io.stdout.write(pending.length ? `${pending.length} pending on ${store.location}:\n${pending.map((n) => `  ${n}\n`).join('')}` : `up to date (${store.location})\n`);
      return 0;
    }
    const applied = await migrate(store.db);
    for (const name of applied) io.stdout.write(`applied ${name}\n`);
    io.stdout.write(applied.length ? `${applied.length} migration(s) applied to ${store.location}\n` : `already up to date (${store.location})\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`patron migrate: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await release();
  }
}
