import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { loadConfig } from '../core/config.js';
import { ImportService } from '../crm/import/import.service.js';
import { IMPORT_KINDS, type ImportKind, type ImportSummary } from '../crm/import/import.types.js';
import { readImportFile } from '../crm/import/read-rows.js';
import { lockDataDir } from '../storage/data-dir-lock.js';
import { migrate, openStore, type Store } from '../storage/database.js';

const USAGE = `Usage: patron import products|customers|orders FILE [--data-dir DIR] [--database-url URL] [--batch-size N] [--json]

  FILE is JSON (an array or {"items": [...]}), JSON Lines (.jsonl) or CSV (header row;
  tags as a|b, attributes as a JSON cell or attr.<key> columns).
  Rejected rows are written to FILE.rejected.jsonl (line, reason, row).
  Exit status: 0 all rows imported, 1 some rows rejected, 2 usage error.
`;

export interface ImportIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface ImportDeps {
  /** Use this store instead of opening one (it is not closed). */
  store?: Store;
  env?: NodeJS.ProcessEnv;
}

interface Args {
  kind: ImportKind;
  file: string;
  dataDir?: string;
  databaseUrl?: string;
  batchSize?: number;
  json: boolean;
}

/** `patron import KIND FILE`: returns the exit status. */
export async function runImport(argv: string[], io: ImportIo = { stdout: process.stdout, stderr: process.stderr }, deps: ImportDeps = {}): Promise<number> {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (typeof args === 'string') {
    io.stderr.write(`patron import: ${args}\n\n${USAGE}`);
    return 2;
  }
  const rows = await readImportFile(args.file);
  const { store, release } = deps.store ? { store: deps.store, release: async () => {} } : await openFromEnv(args, deps.env);
  let summary: ImportSummary;
  const bar = io.stderr.isTTY && rows.length > 0 ? new cliProgress.SingleBar({ stream: io.stderr, format: `${args.kind} [{bar}] {percentage}% | {value}/{total} rows | {eta_formatted} left`, etaBuffer: 50 }, cliProgress.Presets.shades_classic) : null;
  try {
    bar?.start(rows.length, 0);
    summary = await new ImportService(store.db).run(args.kind, rows, { batchSize: args.batchSize, onProgress: (done) => bar?.update(done) });
  } finally {
    bar?.stop();
    await release();
  }
  const rejectedFile = `${args.file}.rejected.jsonl`;
  if (summary.rejectedRows.length) writeFileSync(rejectedFile, summary.rejectedRows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  else rmSync(rejectedFile, { force: true }); // a stale report from an earlier run would mislead
  const { rejectedRows: _r, ...counts } = summary;
  if (args.json) io.stdout.write(JSON.stringify({ ...counts, rejectedFile: summary.rejected ? rejectedFile : null }) + '\n');
  else {
    io.stdout.write(
      `${summary.kind}: read ${summary.read}, inserted ${summary.inserted}, updated ${summary.updated}, unchanged ${summary.unchanged}, ` +
        `rejected ${summary.rejected}${summary.duplicates ? `, duplicates ${summary.duplicates} (last row wins)` : ''} in ${summary.seconds.toFixed(2)} s\n`,
    );
    if (summary.rejected) io.stdout.write(`rejected rows with reasons: ${rejectedFile}\n`);
  }
  return summary.rejected ? 1 : 0;
}

async function openFromEnv(args: Args, env: NodeJS.ProcessEnv = process.env): Promise<{ store: Store; release: () => Promise<void> }> {
  const config = loadConfig({ ...env, ...(args.dataDir ? { DATA_DIR: args.dataDir } : {}), ...(args.databaseUrl ? { DATABASE_URL: args.databaseUrl } : {}) });
  const databaseUrl = config.env.DATABASE_URL;
  // PGlite is single-process: refuse to import while a server holds the data dir.
  const unlock = databaseUrl ? () => {} : lockDataDir(config.dataDir);
  try {
    const store = await openStore({ databaseUrl, dataDir: config.dataDir, poolSize: 2 });
    try {
      await migrate(store.db);
    } catch (err) {
      await store.close();
      throw err;
    }
    return { store, release: async () => { await store.close(); unlock(); } };
  } catch (err) {
    unlock();
    throw err;
  }
}

function parseArgs(argv: string[]): Args | string {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s);
    if (name === 'json' || name === 'help') flags[name] = true;
    else if (inline !== undefined) flags[name] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) flags[name] = argv[++i];
    else return `--${name} needs a value`;
  }
  if (flags.help) return 'help';
  const unknown = Object.keys(flags).find((f) => !['data-dir', 'database-url', 'batch-size', 'json'].includes(f));
  if (unknown) return `unknown option --${unknown}`;
  const [kind, file, extra] = positional;
  if (!kind || !(IMPORT_KINDS as readonly string[]).includes(kind)) return `first argument must be one of ${IMPORT_KINDS.join(', ')}${kind ? ` (got "${kind}")` : ''}`;
  if (!file) return 'FILE is missing';
  if (extra) return `unexpected argument "${extra}"`;
  const batchSize = flags['batch-size'] === undefined ? undefined : Number(flags['batch-size']);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000)) return '--batch-size must be a whole number from 1 to 5000';
  return { kind: kind as ImportKind, file: resolve(file), dataDir: flags['data-dir'] as string | undefined, databaseUrl: flags['database-url'] as string | undefined, batchSize, json: flags.json === true };
}
