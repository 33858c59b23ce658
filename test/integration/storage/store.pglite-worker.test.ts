import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/core/errors.js';
import { openStore } from '../../../src/storage/database.js';
import { PGliteWorker } from '../../../src/storage/pglite-worker.js';
import { describeStoreContract } from './store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'patron-pglite-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The whole repository contract with PGlite in a worker thread (PGLITE_WORKER=true).
describeStoreContract('PGlite in a worker thread', () => openStore({ dataDir: join(dir, 'contract'), pgliteWorker: true }));

describe('PGlite worker thread', () => {
  let pg: PGliteWorker;
  beforeAll(async () => {
    pg = await PGliteWorker.open(join(dir, 'raw'), { settings: { shared_buffers: '16MB' } });
  });
  afterAll(async () => {
    await pg.close();
  });

  it('returns the same types as in process: int8 as string, numeric as number, dates, json, arrays, bytes', async () => {
    const { rows } = await pg.query<Record<string, unknown>>(
      `select 9007199254740993::int8 as big, 12.5::numeric as amount, '2026-11-24T10:00:00Z'::timestamptz as at,
        '{"a":[1,"x"]}'::jsonb as doc, array['a','b'] as tags, '\\x0102'::bytea as raw, null::text as nothing`,
    );
    expect(rows[0].big).toBe('9007199254740993');
    expect(rows[0].amount).toBe(12.5);
    expect(rows[0].at).toBeInstanceOf(Date);
    expect((rows[0].at as Date).toISOString()).toBe('2026-11-24T10:00:00.000Z');
    expect(rows[0].doc).toEqual({ a: [1, 'x'] });
    expect(rows[0].tags).toEqual(['a', 'b']);
    expect(Array.from(rows[0].raw as Uint8Array)).toEqual([1, 2]);
    expect(rows[0].nothing).toBeNull();
  });

  it('keeps SQLSTATE, constraint and table on errors, and the thread keeps serving', async () => {
    await pg.query('create table if not exists t (id int primary key)');
    await pg.query('insert into t values (1) on conflict do nothing');
    const err = (await pg.query('insert into t values (1)').catch((e: unknown) => e)) as Record<string, unknown>;
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: '23505', constraint: 't_pkey', table: 't' });
    expect(String(err.message)).toMatch(/duplicate key/);
    expect((await pg.query<{ n: number }>('select count(*)::int as n from t')).rows[0].n).toBe(1);
  });

  it('answers concurrent queries in order, each with its own result', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => pg.query<{ v: number }>('select $1::int as v', [i])));
    expect(results.map((r) => r.rows[0].v)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('fails pending and later queries with a clear error when the thread dies, instead of hanging', async () => {
    const other = await PGliteWorker.open(join(dir, 'victim'), { settings: {} });
    const pending = other.query('select pg_sleep(0.5)');
    await other.kill();
    const err = await pending.catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('unavailable');
    const later = await other.query('select 1').catch((e: unknown) => e);
    expect(isAppError(later) && later.code).toBe('unavailable');
    expect(String((later as Error).message)).toMatch(/database unavailable \(embedded PGlite in .*\): the database worker exited/);
    expect(other.closed).toBe(true);
    await other.close();
  });

  it('reports a data dir it cannot open as an error, not a hang', async () => {
    const err = await PGliteWorker.open('/proc/patron-cannot-create-this', { settings: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });
});
