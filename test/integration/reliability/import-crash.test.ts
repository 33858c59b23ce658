import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/storage/database.js';
import { tempDataDir } from '../../helpers/app.js';
import { killAll, spawnPatron } from '../../helpers/process.js';
import { freshDatabase, requirePostgres } from '../../setup/servers.js';

/**
 * `patron import` killed with -9 part-way, then run again: nothing lost, nothing doubled, and the
 * second run counts the rows the first one committed as unchanged. Customers carry marketing
 * consent (appended, never duplicated); orders move their customers' totals.
 */
const N = 10_000;
const BATCH = ['--batch-size', '50']; // 500 rows per transaction: 20 commits per file
const work = tempDataDir('patron-import-crash-');
afterEach(() => killAll());
afterAll(() => work.cleanup());

const customersFile = join(work.dir, 'customers.jsonl');
const ordersFile = join(work.dir, 'orders.jsonl');
writeFileSync(customersFile, Array.from({ length: N }, (_, k) => JSON.stringify({
  id: `c${k + 1}`, email: `c${k + 1}@example.com`, name: `Customer ${k + 1}`, tags: k % 10 === 0 ? ['vip'] : [],
  marketingConsent: { channel: 'email', granted: true, evidence: `signup form, row ${k + 1}` },
})).join('\n') + '\n');
writeFileSync(ordersFile, Array.from({ length: N }, (_, k) => JSON.stringify({
  id: `o${k + 1}`, customerId: `c${k + 1}`, status: 'paid', total: (k % 100) + 1, currency: 'USD', createdAt: '2026-01-01T00:00:00Z',
})).join('\n') + '\n');
const ORDER_SUM = Array.from({ length: N }, (_, k) => (k % 100) + 1).reduce((a, b) => a + b, 0);

/** Where the import writes, and how the test reads that store between runs. */
interface Target {
  env: Record<string, string>;
  count(query: string): Promise<number>;
  /** Kills the import once some but not all rows are committed; returns how many were. */
  crashPartWay(kind: 'customers' | 'orders', file: string, table: string): Promise<number>;
}

async function importOnce(target: Target, kind: string, file: string) {
  const run = spawnPatron(['import', kind, file, ...BATCH, '--json'], target.env);
  expect(await run.exited(), run.output()).toBe(0);
  return JSON.parse(run.output().trim().split('\n').at(-1)!) as { inserted: number; updated: number; unchanged: number; rejected: number };
}

async function crashResumeAndCheck(target: Target): Promise<void> {
  const committedCustomers = await target.crashPartWay('customers', customersFile, 'customers');
  const customers = await importOnce(target, 'customers', customersFile);
  expect(customers).toMatchObject({ inserted: N - committedCustomers, unchanged: committedCustomers, updated: 0, rejected: 0 });
  expect(await target.count('select count(*) from customers')).toBe(N);
  expect(await target.count('select count(distinct shop_customer_id) from customers')).toBe(N);
  expect(await target.count(`select count(*) from customers where email <> 'c' || substr(shop_customer_id, 2) || '@example.com' or name <> 'Customer ' || substr(shop_customer_id, 2)`)).toBe(0);
  expect(await target.count(`select count(*) from consents where source = 'import'`)).toBe(N);
  expect(await target.count(`select count(distinct customer_id) from consents where source = 'import'`)).toBe(N);

  const committedOrders = await target.crashPartWay('orders', ordersFile, 'orders');
  const orders = await importOnce(target, 'orders', ordersFile);
  expect(orders).toMatchObject({ inserted: N - committedOrders, unchanged: committedOrders, updated: 0, rejected: 0 });
  expect(await target.count('select count(*) from orders')).toBe(N);
  // Every customer's totals hold its one order, including those whose orders committed before the kill.
  expect(await target.count('select count(*) from customers where order_count <> 1')).toBe(0);
  expect(await target.count('select sum(lifetime_spend)::int from customers')).toBe(ORDER_SUM);
}

describe('kill -9 during an import', () => {
  it('on the embedded store: PGlite recovers, and a second run completes with nothing lost or doubled', async () => {
    const dir = join(work.dir, 'pglite');
    const env = { DATA_DIR: dir };
    expect(await spawnPatron(['migrate'], env).exited()).toBe(0);
    const count = async (query: string) => {
      const store = await openStore({ dataDir: dir });
      try {
        const { rows } = await sql<{ n: number }>`select (${sql.raw(query)})::int as n`.execute(store.db);
        return rows[0].n;
      } finally {
        await store.close();
      }
    };
    const target: Target = {
      env, count,
      // No way to watch PGlite from outside while the import holds it: kill after a delay, look,
      // and try again from a copy of the data dir with a later (nothing yet) or earlier (all done) kill.
      crashPartWay: async (kind, file, table) => {
        const before = `${dir}.before-${kind}`;
        cpSync(dir, before, { recursive: true });
        let delayMs = 1500;
        for (let attempt = 1; attempt <= 6; attempt++) {
          const run = spawnPatron(['import', kind, file, ...BATCH], env);
          await new Promise((r) => setTimeout(r, delayMs));
          run.child.kill('SIGKILL');
          await run.exited();
          const committed = await count(`select count(*) from ${table}`);
          if (committed > 0 && committed < N) {
            rmSync(before, { recursive: true, force: true });
            return committed;
          }
          delayMs = committed === 0 ? delayMs + 700 : Math.max(200, delayMs - 600);
          rmSync(dir, { recursive: true, force: true });
          cpSync(before, dir, { recursive: true });
        }
        throw new Error(`could not kill the ${kind} import part-way in 6 attempts`);
      },
    };
    await crashResumeAndCheck(target);
  }, 240_000);

  it('on a PostgreSQL server: killed while the rows are seen arriving, then a second run completes with nothing lost or doubled', async (t) => {
    if (!requirePostgres()) return t.skip();
    const url = await freshDatabase('import_crash');
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const env = { DATABASE_URL: url, DATA_DIR: join(work.dir, 'pg-data') };
      expect(await spawnPatron(['migrate'], env).exited()).toBe(0);
      const count = async (query: string) => Number((await pool.query(`select (${query})::int as n`)).rows[0].n);
      const target: Target = {
        env, count,
        crashPartWay: async (kind, file, table) => {
          const run = spawnPatron(['import', kind, file, ...BATCH], env);
          let committed = 0;
          while (committed === 0 && run.child.exitCode === null) {
            await new Promise((r) => setTimeout(r, 10));
            committed = await count(`select count(*) from ${table}`);
          }
          run.child.kill('SIGKILL');
          await run.exited();
          committed = await count(`select count(*) from ${table}`);
          expect(committed, 'the import finished before it could be killed').toBeLessThan(N);
          expect(committed).toBeGreaterThan(0);
          return committed;
        },
      };
      await crashResumeAndCheck(target);
    } finally {
      await pool.end();
    }
  }, 240_000);
});
