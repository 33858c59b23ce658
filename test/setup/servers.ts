/**
 * Test-side access to the servers started by global-servers.ts. Each helper returns null (and
 * warns once per test file with the reason) when the server is unavailable, so a suite can skip.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

const warned = new Set<string>();

function warnOnce(what: string): void {
  if (warned.has(what)) return;
  warned.add(what);
  const reason = inject('serversNote') || `${what} not provided by the global setup`;
  console.warn(`[skip] tests needing ${what} are skipped: ${reason}`);
}

/** URL of the shared test Redis, or null (with a printed reason) when there is none. */
export function requireRedis(): string | null {
  const url = inject('redisUrl');
  if (!url) warnOnce('redis');
  return url;
}

/** URL of the shared test PostgreSQL database `patron_test`, or null (with a printed reason). */
export function requirePostgres(): string | null {
  const url = inject('postgresUrl');
  if (!url) warnOnce('postgres');
  return url;
}

/** PostgreSQL identifiers: lower case, letters/digits/underscore, at most 63 bytes. */
function databaseName(prefix: string): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '').slice(0, 40) || 'test';
  return `${clean}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/**
 * Creates an empty, uniquely named database on the shared test cluster and returns its URL, so a
 * test file owns its data and can run in parallel with others. Throws when there is no PostgreSQL
 * (call {@link requirePostgres} first to skip instead). The database is not dropped: the throwaway
 * cluster is deleted with the run.
 */
export async function freshDatabase(prefix: string): Promise<string> {
  const base = inject('postgresUrl');
  if (!base) throw new Error(`no PostgreSQL for tests: ${inject('serversNote')}`);
  const name = databaseName(prefix);
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
