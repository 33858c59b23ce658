import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { ROOT_DIR } from '../src/core/config.js';
import { migrate, openStore } from '../src/storage/database.js';
import { row, round, type BenchReport } from './harness.js';
import { firstOk, freePort, stopChild } from './startup.bench.js';

/**
 * Resident memory of `patron start` on the embedded default with 100k customers (seeded by SQL),
 * after some web-chat turns, beside a bare node process that only opens the same DATA_DIR with
 * PGlite and reads the customers table. Both are separate processes measured the same way.
 */
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const TURNS = Number(process.env.BENCH_MEMORY_TURNS ?? 400);
const SESSIONS = 20;

async function seed(dataDir: string): Promise<void> {
  const store = await openStore({ dataDir });
  try {
    await migrate(store.db);
    await sql`insert into customers (id, name, locale, email, first_seen_at, last_seen_at, tags)
      select gen_random_uuid(), 'Customer ' || i, case when i % 3 = 0 then 'zh-CN' else 'en' end, 'c' || i || '@example.com',
        now() - (i % 400) * interval '1 day', now() - (i % 90) * interval '1 day', case when i % 10 = 0 then array['vip'] else '{}'::text[] end
      from generate_series(1, ${CUSTOMERS}) i`.execute(store.db);
    await sql`insert into identities (id, customer_id, channel, external_id)
      select gen_random_uuid(), id, 'telegram', 'tg-' || row_number() over () from customers`.execute(store.db);
  } finally {
    await store.close();
  }
}

/** RSS of a process from /proc (Linux) — the same source for both sides. */
function rssOf(pid: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const ps = spawn('ps', ['-o', 'rss=', '-p', String(pid)]);
    let out = '';
    ps.stdout.on('data', (d: Buffer) => (out += d.toString()));
    ps.once('exit', () => (Number(out.trim()) ? resolve(Number(out.trim()) * 1024) : reject(new Error(`no RSS for pid ${pid}`))));
  });
}

async function ourRss(dataDir: string): Promise<{ rss: number; metricsRss: number; turns: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT_DIR, 'bin', 'patron.js'), 'start'], {
    // One client drives 20 sessions from one IP: the chat flood limits are not what is measured.
    cwd: ROOT_DIR, env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', CHAT_RATE_LIMIT: 'off', CHAT_IP_RATE_LIMIT: 'off' }, stdio: 'ignore',
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await firstOk(`${base}/healthz`, child);
    let turns = 0;
    const texts = ['hi', 'where is my order', 'what products do you have', '你好', 'points balance', 'thanks'];
    await Promise.all(Array.from({ length: SESSIONS }, async (_, s) => {
      let sessionId: string | undefined;
      for (let i = 0; i < TURNS / SESSIONS; i++) {
        const res = await fetch(`${base}/chat/messages`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: texts[(s + i) % texts.length], ...(sessionId ? { sessionId } : {}) }),
        });
        const body = (await res.json()) as { sessionId?: string };
        if (res.status === 200) turns++;
        sessionId = body.sessionId ?? sessionId;
      }
    }));
    // Some admin-style reads over the big table, as an operator would do.
    await fetch(`${base}/metrics`).then((r) => r.text());
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    const metricsRss = Number(/process_resident_memory_bytes\s+(\d+)/.exec(metrics)?.[1] ?? NaN);
    return { rss: await rssOf(child.pid!), metricsRss, turns };
  } finally {
    await stopChild(child);
  }
}

/** node + PGlite opening `dataDir` (creating it when new) and running `query`, which must return n ≥ 1. */
async function baselineRss(dataDir: string, query = 'select count(*)::int as n from customers'): Promise<number> {
  const script = `
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(${JSON.stringify(join(dataDir, 'pglite'))});
    const r = await db.query(${JSON.stringify(query)});
    if (r.rows[0].n < 1) process.exit(3);
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`baseline exited with ${code}`)));
    });
    return await rssOf(child.pid!);
  } finally {
    await stopChild(child);
  }
}

export default async function memoryBench(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'patron-bench-memory-'));
  const fresh = mkdtempSync(join(tmpdir(), 'patron-bench-memory-fresh-'));
  try {
    const seeding = performance.now();
    await seed(dir);
    const seedSeconds = (performance.now() - seeding) / 1000;
    const ours = await ourRss(dir);
    const base = await baselineRss(dir);
    // The very first start creates the database (initdb) in a new, empty DATA_DIR.
    const first = await ourRss(join(fresh, 'patron'));
    mkdirSync(join(fresh, 'baseline'));
    const firstBase = await baselineRss(join(fresh, 'baseline'), 'select 1 as n');
    const mb = (b: number) => b / 1024 / 1024;
    return {
      name: `RSS of patron start with ${CUSTOMERS.toLocaleString('en')} customers after ${ours.turns} web-chat turns (embedded PGlite) vs node + PGlite opening the same DATA_DIR`,
      rows: [
        row('resident memory', mb(ours.rss), mb(base), 'MB', { lowerIsBetter: true, target: 'absolute ≤ 250 MB', note: mb(ours.rss) <= 250 ? 'meets 250 MB' : 'over 250 MB' }),
        row('first start, new DATA_DIR', mb(first.rss), mb(firstBase), 'MB', { lowerIsBetter: true, note: 'demo data loaded; baseline: node + PGlite creating a new dir' }),
      ],
      extra: { metricsRssMb: round(mb(ours.metricsRss)), seedSeconds: round(seedSeconds), turns: ours.turns },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(fresh, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printReport } = await import('./harness.js');
  const report = await memoryBench();
  printReport(report);
  console.log(JSON.stringify(report.extra));
}
