import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres } from '../../test/setup/global-servers.js';

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
  const embedded: BenchStore = { label: 'embedded PGlite', env: { DATA_DIR: dataDir } };
  const given = process.env.BENCH_DATABASE_URL;
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
