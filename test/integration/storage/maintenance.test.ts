import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { migrate, openStore, type Db, type Store } from '../../../src/storage/database.js';
import { maintainTables, tableMaintenanceJob, tablesNeedingCare } from '../../../src/storage/maintenance.js';
import { freshDatabase, requirePostgres } from '../../setup/servers.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-maintenance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Counters reach pg_stat_user_tables at most once a second; the next statement after this sees them. */
async function flushStats(db: Db): Promise<void> {
  await sql`select pg_stat_force_next_flush()`.execute(db);
  await sql`select 1`.execute(db);
}

async function stats(db: Db, table: string) {
  await flushStats(db);
  const { rows } = await sql<{ dead: number; vacuumed: Date | null; analyzed: Date | null; tuples: number }>`
    select s.n_dead_tup::int as dead, s.last_vacuum as vacuumed, s.last_analyze as analyzed, c.reltuples::int as tuples
    from pg_stat_user_tables s join pg_class c on c.oid = s.relid where s.relname = ${table}`.execute(db);
  return rows[0];
}

describe('table maintenance on PGlite (no autovacuum in single-user mode)', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: join(dir, 'pglite') });
    await migrate(store.db);
  });
  afterAll(async () => {
    await store.close();
  });

  it('leaves a quiet database alone', async () => {
    await maintainTables(store.db); // first pass: tables created by the migrations with rows in them
    await flushStats(store.db);
    expect(await tablesNeedingCare(store.db)).toEqual([]);
    expect(await maintainTables(store.db)).toMatchObject({ vacuumed: [], analyzed: [] });
  });

  it('vacuums and analyses a table with more dead rows than autovacuum allows, and then it is clean', async () => {
    const db = store.db;
    await sql`create table churn (id int primary key, n int not null)`.execute(db);
    await sql`insert into churn select i, 0 from generate_series(1, 100) i`.execute(db);
    await flushStats(db);
    expect((await maintainTables(db)).analyzed).toContain('churn');
    for (let round = 0; round < 3; round++) await sql`update churn set n = n + 1`.execute(db);
    // 300 row versions died; in-page pruning during the updates reclaims some of them already.
    expect((await stats(db, 'churn')).dead).toBeGreaterThan(70);
    const due = (await tablesNeedingCare(db)).find((t) => t.table === 'churn');
    // Over 50 + 0.2 × 100 live rows dead; 300 changed > 50 + 0.1 × 100.
    expect(due).toMatchObject({ vacuum: true, analyze: true });
    expect(due!.reason).toMatch(/\d+ dead rows > 70; 300 rows changed since the last analyze > 60/);
    const run = await maintainTables(db);
    expect(run.vacuumed).toContain('churn');
    const after = await stats(db, 'churn');
    expect(after.dead).toBe(0);
    expect(after.vacuumed).toBeInstanceOf(Date);
    expect((await tablesNeedingCare(db)).map((t) => t.table)).not.toContain('churn');
  });

  it('only analyses a table whose rows changed but left few dead ones', async () => {
    const db = store.db;
    await sql`create table grows (id int primary key)`.execute(db);
    await sql`insert into grows select generate_series(1, 40)`.execute(db);
    await flushStats(db);
    await maintainTables(db);
    await sql`insert into grows select generate_series(41, 200)`.execute(db);
    await flushStats(db);
    // 160 inserted: above the analyze limit (50 + 0.1 × 40), far below the insert-vacuum limit (1000 + …).
    expect((await tablesNeedingCare(db)).find((t) => t.table === 'grows')).toMatchObject({ vacuum: false, analyze: true });
    expect(await maintainTables(db)).toMatchObject({ vacuumed: [], analyzed: ['grows'] });
    expect((await stats(db, 'grows')).tuples).toBe(200);
  });

  it('after a reopen (counters start from zero) still finds a table written earlier and never processed', async () => {
    await sql`create table loaded (id int primary key)`.execute(store.db);
    await sql`insert into loaded select generate_series(1, 500)`.execute(store.db);
    await store.close();
    store = await openStore({ dataDir: join(dir, 'pglite') });
    await flushStats(store.db);
    const due = (await tablesNeedingCare(store.db)).find((t) => t.table === 'loaded');
    expect(due).toMatchObject({ vacuum: true, analyze: true, reason: 'never vacuumed or analysed' });
    await maintainTables(store.db);
    expect((await stats(store.db, 'loaded')).tuples).toBe(500);
    expect((await tablesNeedingCare(store.db)).map((t) => t.table)).not.toContain('loaded');
  });

  it('keeps no planner statistics for message bodies (ANALYZE time on PGlite is chat time)', async () => {
    const { rows } = await sql<{ col: string; target: number }>`
      select c.relname || '.' || a.attname as col, a.attstattarget::int as target from pg_attribute a join pg_class c on c.oid = a.attrelid
      where (c.relname, a.attname) in (('outbox', 'message'), ('outbox', 'last_error'), ('inbound_messages', 'text'), ('inbound_messages', 'payload'), ('conversations', 'state'), ('outbox', 'status'))
      order by 1`.execute(store.db);
    const targets = Object.fromEntries(rows.map((r) => [r.col, r.target]));
    // A column that is filtered on keeps the default (null since PostgreSQL 17, -1 before).
    expect(targets['outbox.status']).not.toBe(0);
    delete targets['outbox.status'];
    expect(targets).toEqual({ 'conversations.state': 0, 'inbound_messages.payload': 0, 'inbound_messages.text': 0, 'outbox.last_error': 0, 'outbox.message': 0 });
  });

  it('is a scheduled job on the embedded store only', () => {
    expect(tableMaintenanceJob(store, silentLogger)).toMatchObject({ name: 'table-maintenance', cron: '41 * * * * *' });
    expect(tableMaintenanceJob({ ...store, kind: 'postgres' }, silentLogger)).toBeNull();
  });
});

describe('table maintenance rules on a PostgreSQL server', () => {
  it('reads the same counters and settings, and leaves a churned table clean', async (t) => {
    if (!requirePostgres()) return t.skip();
    const store = await openStore({ databaseUrl: await freshDatabase('maintenance') });
    try {
      const db = store.db;
      await sql`create table churn (id int primary key, n int not null)`.execute(db);
      await sql`insert into churn select i, 0 from generate_series(1, 100) i`.execute(db);
      for (let round = 0; round < 3; round++) await sql`update churn set n = n + 1`.execute(db);
      await flushStats(db);
      // The server's own autovacuum may get there first; either way the table ends clean.
      await maintainTables(db);
      await flushStats(db);
      expect((await tablesNeedingCare(db)).map((x) => x.table)).not.toContain('churn');
      expect((await stats(db, 'churn')).dead).toBe(0);
    } finally {
      await store.close();
    }
  });
});
