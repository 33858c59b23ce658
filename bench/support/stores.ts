import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/logger.js';
import { startApp } from '../../src/main.js';
import { startPostgres } from '../../test/setup/global-servers.js';
import type { BenchRow } from '../harness.js';

/** A store a throughput bench runs Patron on, as the environment `startApp` needs for it. */
export interface BenchStore {
  label: string;
  env: Record<string, string>;
}

/**
 * The stores a chat-throughput bench measures: always the embedded default (PGlite in `dataDir`),
 * plus a PostgreSQL server — `BENCH_DATABASE_URL` when set, else a throwaway local cluster with
 * PostgreSQL's default durability (fsync and synchronous commit on) when the binaries are installed.
 * `missing` says why there is no server row.
 */
export async function benchStores(dataDir: string): Promise<{ stores: BenchStore[]; missing?: string; close(): Promise<void> }> {
  // PGLITE_WORKER and PGLITE_OPTIMIZE pass through, to measure the embedded store as configured.
  const pglite = Object.fromEntries(['PGLITE_WORKER', 'PGLITE_OPTIMIZE'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
  const embedded: BenchStore = { label: 'embedded PGlite', env: { DATA_DIR: dataDir, ...pglite } };
  const given = process.env.BENCH_DATABASE_URL;
  if (process.env.BENCH_STORES === 'pglite') return { stores: [embedded], missing: 'BENCH_STORES=pglite', close: async () => {} };
  if (given) return { stores: [embedded, { label: 'PostgreSQL server', env: { DATA_DIR: dataDir, DATABASE_URL: given } }], close: async () => {} };
  const root = mkdtempSync(join(tmpdir(), 'patron-bench-pg-'));
  chmodSync(root, 0o755); // PostgreSQL runs as the postgres user when we are root.
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  const server = await startPostgres(root, { durable: true }).catch((err: Error) => ({ url: null, note: err.message, stop: async () => {} }));
  if (!server.url) {
    cleanup();
    return { stores: [embedded], missing: server.note, close: async () => {} };
  }
  return {
    stores: [embedded, { label: 'PostgreSQL server', env: { DATA_DIR: dataDir, DATABASE_URL: server.url } }],
    close: async () => {
      await server.stop();
      cleanup();
    },
  };
}

/**
 * Starts Patron on each bench store in turn (chat flood limits off, silent) and collects what
 * `measure` reports for it; the stores are closed afterwards. A missing server row is noted in `extra`.
 */
export async function measureOnStores(
  dataDir: string, measure: (chatUrl: string, label: string) => Promise<{ rows: BenchRow[]; extra: unknown }>,
): Promise<{ rows: BenchRow[]; extra: Record<string, unknown> }> {
  const { stores, missing, close } = await benchStores(dataDir);
  const out: { rows: BenchRow[]; extra: Record<string, unknown> } = { rows: [], extra: {} };
  try {
    for (const store of stores) {
      const app = await startApp({ env: { ...store.env, PORT: '0', LOG_LEVEL: 'silent', CHAT_RATE_LIMIT: 'off', CHAT_IP_RATE_LIMIT: 'off' }, logger: silentLogger });
      try {
        const { rows, extra } = await measure(`${app.url}/chat/messages`, store.label);
        out.rows.push(...rows);
        out.extra[store.label] = extra;
      } finally {
        await app.stop();
      }
    }
    if (missing) out.extra['PostgreSQL server'] = `not measured: ${missing}`;
    return out;
  } finally {
    await close();
  }
}
