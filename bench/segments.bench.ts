/**
 * Segment evaluation benchmark: on PGlite with 100k generated customers (+ orders, identities,
 * loyalty members, consents), each segment is evaluated through SegmentService (count + every
 * member id, streamed in keyset pages) beside a hand-written SQL query for the same set in the same
 * run. Both must return the same count and ids.
 *
 * Run: `node bin/run-ts.js bench/run.ts segments`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { ManualClock } from '../src/core/clock.js';
import { buildSegmentModule } from '../src/crm/segments/index.js';
import type { SegmentService } from '../src/crm/segments/segment.service.js';
import { migrate, openStore } from '../src/storage/database.js';
import type { Database } from '../src/storage/schema.js';
import { row, type BenchReport, type BenchRow } from './harness.js';

const CUSTOMERS = Number(process.env.SEGMENT_BENCH_CUSTOMERS ?? 100_000);
const ORDERS = Math.round(CUSTOMERS * 1.5);
const NOW = new Date('2026-06-01T00:00:00Z');
const PAGE = 10_000;
const REPEATS = 3;

interface Case {
  name: string;
  filter: Record<string, unknown>;
  /** Hand-written SQL for the same set: `where` over customers c (parameters $now as a literal timestamp). */
  raw: (now: string) => string;
}

const CASES: Case[] = [
  { name: 'everyone {}', filter: {}, raw: () => `select id from customers c where erased_at is null` },
  {
    name: 'gold + telegram + live consent',
    filter: { tier: 'gold', channel: 'telegram', consent: { channel: 'telegram', purpose: 'marketing' } },
    raw: () => `
      with live as (
        select customer_id from (
          select customer_id, granted, row_number() over (partition by customer_id order by created_at desc, id desc) as rn
          from consents where channel = 'telegram' and purpose = 'marketing') k
        where rn = 1 and granted)
      select c.id from customers c
      join loyalty_members lm on lm.customer_id = c.id and lm.tier = 'gold'
      join live on live.customer_id = c.id
      where c.erased_at is null
        and exists (select 1 from identities i where i.customer_id = c.id and i.channel = 'telegram' and i.unreachable_at is null)`,
  },
  {
    name: 'vip tag + seen 30d + spend ≥ 100',
    filter: { tags: ['vip'], lastSeenWithinDays: 30, minSpend: 100 },
    raw: (now) => `select id from customers c where erased_at is null and 'vip' = any(tags)
      and last_seen_at >= timestamptz '${now}' - interval '30 days' and lifetime_spend >= 100`,
  },
  {
    name: 'rfm r4-5 m4-5 + locale en',
    filter: { rfm: { r: [4, 5], m: [4, 5] }, locale: 'en' },
    raw: () => `
      with s as (
        select customer_id,
          ntile(5) over (order by max(created_at), customer_id) r,
          ntile(5) over (order by sum(total), customer_id) m
        from orders where customer_id is not null and status not in ('cancelled','refunded') group by customer_id)
      select c.id from customers c join s on s.customer_id = c.id
      where c.erased_at is null and c.locale = 'en' and s.r between 4 and 5 and s.m between 4 and 5`,
  },
  {
    name: 'no order 90d + live consent',
    filter: { noOrderForDays: 90, consent: { channel: 'telegram', purpose: 'marketing' } },
    raw: (now) => `
      select c.id from customers c
      where c.erased_at is null
        and (select k.granted from consents k where k.customer_id = c.id and k.channel = 'telegram' and k.purpose = 'marketing'
             order by k.created_at desc, k.id desc limit 1)
        and not exists (select 1 from orders o where o.customer_id = c.id and o.status <> 'cancelled'
                        and o.created_at >= timestamptz '${now}' - interval '90 days')`,
  },
];

async function generate(db: Kysely<Database>): Promise<void> {
  const n = CUSTOMERS;
  await sql`select setseed(0.42)`.execute(db);
  await sql.raw(`
    insert into customers (id, name, locale, timezone, created_at, last_seen_at, tags, lifetime_spend, erased_at)
    select md5('c' || g)::uuid, 'customer ' || g, (array['en','en','zh-CN','de'])[1 + g % 4], null, now(),
      timestamptz '${NOW.toISOString()}' - (random() * 200 || ' days')::interval,
      case when g % 10 = 0 then array['vip','coffee'] when g % 7 = 0 then array['vip'] when g % 3 = 0 then array['coffee'] else '{}' end,
      round((random() * 2000)::numeric, 2), case when g % 100 = 0 then now() end
    from generate_series(1, ${n}) g`).execute(db);
  await sql.raw(`
    insert into identities (id, customer_id, channel, external_id, unreachable_at)
    select md5('i' || g)::uuid, md5('c' || g)::uuid, case when g % 5 < 3 then 'telegram' else 'webchat' end, 'ext-' || g,
      case when g % 20 = 0 then now() end
    from generate_series(1, ${n}) g`).execute(db);
  await sql.raw(`
    insert into loyalty_members (customer_id, tier, joined_at, terms_version, terms_accepted_at, next_review_at, tier_since)
    select md5('c' || g)::uuid, (array['bronze','silver','gold'])[1 + g % 3], now(), 'v1', now(), now(), now()
    from generate_series(1, ${n}) g where g % 10 < 3`).execute(db);
  await sql.raw(`
    insert into orders (id, customer_id, status, total, currency, created_at)
    select 'o' || g, md5('c' || (1 + floor(random() * ${n})::int))::uuid,
      (array['paid','delivered','delivered','shipped','cancelled','refunded'])[1 + floor(random() * 6)::int],
      round((5 + random() * 300)::numeric, 2), 'EUR', timestamptz '${NOW.toISOString()}' - (random() * 365 || ' days')::interval
    from generate_series(1, ${ORDERS}) g`).execute(db);
  await sql.raw(`
    insert into consents (customer_id, channel, purpose, granted, source, evidence, created_at)
    select md5('c' || g)::uuid, 'telegram', 'marketing', true, 'web_form', 'bench', timestamptz '${NOW.toISOString()}' - interval '100 days'
    from generate_series(1, ${n}) g where g % 2 = 0`).execute(db);
  await sql.raw(`
    insert into consents (customer_id, channel, purpose, granted, source, evidence, created_at)
    select md5('c' || g)::uuid, 'telegram', 'marketing', false, 'keyword', 'bench', timestamptz '${NOW.toISOString()}' - interval '10 days'
    from generate_series(1, ${n}) g where g % 8 = 0`).execute(db);
  await sql`analyze`.execute(db);
}

async function ours(segments: SegmentService, filter: unknown): Promise<{ count: number; ids: string[] }> {
  const count = await segments.count(filter);
  const ids: string[] = [];
  for await (const page of segments.streamIds({ filter }, PAGE)) ids.push(...page);
  return { count, ids };
}

async function baseline(db: Kysely<Database>, query: string): Promise<{ count: number; ids: string[] }> {
  const count = await sql.raw<{ n: string }>(`select count(*) as n from (${query}) q`).execute(db);
  const ids = await sql.raw<{ id: string }>(`select id from (${query}) q order by id`).execute(db);
  return { count: Number(count.rows[0].n), ids: ids.rows.map((r) => r.id) };
}

async function best<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  let ms = Infinity;
  let value!: T;
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    value = await fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, value };
}

export default async function segmentsBench(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'patron-segments-bench-'));
  const store = await openStore({ dataDir: dir });
  try {
    await migrate(store.db);
    const t0 = performance.now();
    await generate(store.db);
    const generateSeconds = (performance.now() - t0) / 1000;
    const segments = buildSegmentModule({ db: store.db, clock: new ManualClock(NOW) }).segments;
    const rows: BenchRow[] = [];
    const counts: Record<string, number> = {};
    for (const [i, c] of CASES.entries()) {
      // Alternate which side runs first so neither always gets the warmer cache.
      const runBase = () => best(() => baseline(store.db, c.raw(NOW.toISOString())));
      const runMine = () => best(() => ours(segments, c.filter));
      const base = i % 2 === 0 ? await runBase() : undefined;
      const mine = await runMine();
      const baseResult = base ?? (await runBase());
      const same = mine.value.count === baseResult.value.count && mine.value.ids.length === baseResult.value.ids.length
        && mine.value.ids.every((id, k) => id === baseResult.value.ids[k]);
      if (!same) throw new Error(`segment "${c.name}": service found ${mine.value.count}, raw SQL ${baseResult.value.count}`);
      counts[c.name] = mine.value.count;
      rows.push(row(`${c.name}: count + ids`, mine.ms, baseResult.ms, 'ms', { lowerIsBetter: true, target: '≥ 0.5x', note: `${mine.value.count} customers, same set` }));
    }
    return { name: `segments (PGlite, ${CUSTOMERS} customers, ${ORDERS} orders)`, rows, extra: { generateSeconds, counts, pageSize: PAGE, repeats: REPEATS } };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
