import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { newId } from '../../../src/core/ids.js';
import { buildSegmentModule } from '../../../src/crm/segments/index.js';
import type { SegmentService } from '../../../src/crm/segments/segment.service.js';
import { migrate, type Store } from '../../../src/storage/database.js';

const NOW = new Date('2026-05-01T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

interface Person {
  tier?: string;
  tags?: string[];
  identity?: { channel: string; unreachable?: boolean };
  locale: string;
  lastSeenDays: number | null;
  spend: number;
  erased?: boolean;
  orders?: { daysAgo: number; total: number; status?: string }[];
  consent?: boolean[];
}

/**
 * A small population where each filter key picks a known subset. RFM among the four customers with
 * counted orders — recency: F 1, D 2, B 3, A 4; monetary: F 1, B 2, A 3, D 4; frequency: D highest.
 */
const PEOPLE: Record<string, Person> = {
  A: { tier: 'gold', tags: ['vip', 'coffee'], identity: { channel: 'telegram' }, locale: 'en', lastSeenDays: 1, spend: 500,
    orders: [{ daysAgo: 5, total: 100 }, { daysAgo: 6, total: 100 }, { daysAgo: 7, total: 100 }], consent: [true] },
  B: { tier: 'silver', tags: ['coffee'], identity: { channel: 'slack' }, locale: 'zh-CN', lastSeenDays: 10, spend: 50,
    orders: [{ daysAgo: 40, total: 50 }], consent: [true, false] },
  C: { identity: { channel: 'telegram', unreachable: true }, locale: 'en', lastSeenDays: 100, spend: 0, consent: [true] },
  D: { tier: 'gold', tags: ['vip'], identity: { channel: 'telegram' }, locale: 'de', lastSeenDays: null, spend: 1200,
    orders: [200, 201, 202, 203, 204].map((d) => ({ daysAgo: d, total: 240 })), consent: [false, true] },
  E: { tier: 'gold', tags: ['vip', 'coffee'], identity: { channel: 'telegram' }, locale: 'en', lastSeenDays: 1, spend: 900, erased: true, consent: [true] },
  F: { tier: 'bronze', identity: { channel: 'webchat' }, locale: 'en', lastSeenDays: 2, spend: 20,
    orders: [{ daysAgo: 3, total: 20, status: 'cancelled' }, { daysAgo: 300, total: 20 }] },
};

/** Segment evaluation in SQL, the same on PGlite and PostgreSQL. */
export function describeSegmentContract(name: string, open: () => Promise<Store | null>): void {
  describe(`segments: ${name}`, () => {
    let store: Store | null = null;
    let segments: SegmentService;
    const ids: Record<string, string> = {};
    const byId: Record<string, string> = {};

    beforeAll(async () => {
      store = await open();
      if (!store) return;
      await migrate(store.db);
      segments = buildSegmentModule({ db: store.db, clock: new ManualClock(NOW) }).segments;
      for (const [key, p] of Object.entries(PEOPLE)) {
        ids[key] = await seed(store, p);
        byId[ids[key]] = key;
      }
    });
    afterAll(async () => {
      await store?.close();
    });
    const live = (t: { skip(): never }) => store ?? t.skip();
    /** The people a filter selects, by letter, checked through count, sample and id pages alike. */
    async function who(filter: unknown): Promise<string> {
      const all: string[] = [];
      for await (const page of segments.streamIds({ filter }, 2)) all.push(...page);
      const { count, sample } = await segments.evaluate(filter, 100);
      expect(count).toBe(all.length);
      expect(new Set(sample.map((s) => s.id))).toEqual(new Set(all));
      return all.map((id) => byId[id]).sort().join('');
    }

    it('selects every customer who is not erased for the empty filter', async (t) => {
      live(t);
      expect(await who({})).toBe('ABCDF');
    });

    it.each([
      [{ tier: 'gold' }, 'AD'],
      [{ tier: ['silver', 'bronze'] }, 'BF'],
      [{ tags: ['vip'] }, 'AD'],
      [{ tags: ['vip', 'coffee'] }, 'A'],
      [{ tags: 'coffee' }, 'AB'],
      [{ channel: 'telegram' }, 'AD'],
      [{ channel: 'slack' }, 'B'],
      [{ locale: 'en' }, 'ACF'],
      [{ locale: ['de', 'zh-CN'] }, 'BD'],
      [{ lastSeenWithinDays: 5 }, 'AF'],
      [{ lastSeenWithinDays: 30 }, 'ABF'],
      [{ minSpend: 100 }, 'AD'],
      [{ minSpend: 1000 }, 'D'],
      [{ rfm: { r: [4, 5] } }, 'A'],
      [{ rfm: { m: [4, 5] } }, 'D'],
      [{ rfm: { f: 4 } }, 'D'],
      [{ rfm: { r: [3, 5], m: [2, 5] } }, 'AB'],
      [{ lastOrderWithinDays: 30 }, 'A'],
      [{ lastOrderWithinDays: 60 }, 'AB'],
      [{ noOrderForDays: 30 }, 'BCDF'],
      [{ consent: { channel: 'telegram', purpose: 'marketing' } }, 'ACD'],
    ])('selects exactly the expected customers for %j', async (filter, expected, ) => {
      if (!store) return;
      expect(await who(filter)).toBe(expected);
    });

    it('ANDs keys together', async (t) => {
      live(t);
      expect(await who({ tier: 'gold', tags: ['vip'], channel: 'telegram', consent: { channel: 'telegram', purpose: 'marketing' }, minSpend: 1000 })).toBe('D');
      expect(await who({ locale: 'en', lastSeenWithinDays: 5, rfm: { r: [4, 5] } })).toBe('A');
      expect(await who({ channel: 'telegram', consent: { channel: 'telegram', purpose: 'marketing' }, noOrderForDays: 30 })).toBe('D');
      expect(await who({ tier: 'silver', minSpend: 1000 })).toBe('');
    });

    it('rejects an unknown filter key with a 400 naming it', async (t) => {
      live(t);
      await expect(segments.evaluate({ tier: 'gold', colour: 'red' })).rejects.toMatchObject({ code: 'validation_failed', status: 400, message: expect.stringContaining('"colour"') });
      await expect(segments.create({ name: `bad-${newId()}`, filter: { rfm: { x: 1 } } })).rejects.toMatchObject({ message: expect.stringContaining('"x"') });
      await expect(segments.evaluate({ rfm: { r: [5, 1] } })).rejects.toMatchObject({ code: 'validation_failed' });
      await expect(segments.evaluate({ minSpend: '100' })).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('minSpend') });
    });

    it('treats an injection attempt in a value as plain data: no rows, no error, table intact', async (t) => {
      const s = live(t);
      expect(await who({ tags: ["vip'] OR true --"] })).toBe('');
      expect(await who({ tags: ["x'); drop table customers; --"], locale: "en' or '1'='1" })).toBe('');
      expect(await who({ tier: "gold' or 1=1 --", channel: "telegram' --" })).toBe('');
      const n = await s.db.selectFrom('customers').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(6);
    });

    it('saves a segment and previews its count and the most recently seen sample', async (t) => {
      live(t);
      const seg = await segments.create({ name: `everyone-${newId()}`, filter: {}, createdBy: 'marketer-1' });
      const preview = await segments.preview(seg.id, 3);
      expect(preview.count).toBe(5);
      expect(preview.sample.map((s) => byId[s.id])).toEqual(['A', 'F', 'B']);
      const all = await segments.preview(seg.id, 10);
      expect(all.sample.map((s) => byId[s.id])).toEqual(['A', 'F', 'B', 'C', 'D']);
    });

    it('refuses a second segment with the same name', async (t) => {
      live(t);
      const name = `vip-${newId()}`;
      await segments.create({ name, filter: { tags: ['vip'] } });
      await expect(segments.create({ name, filter: {} })).rejects.toMatchObject({ code: 'conflict' });
    });

    it('pages the member ids of a saved segment by keyset without gaps or repeats', async (t) => {
      live(t);
      const seg = await segments.create({ name: `paged-${newId()}`, filter: {} });
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await segments.idsPage({ segmentId: seg.id }, { after, limit: 2 });
        seen.push(...page.ids);
        if (!page.next) break;
        after = page.next;
      }
      expect(seen).toEqual([...seen].sort());
      expect(seen.map((id) => byId[id]).sort().join('')).toBe('ABCDF');
    });

    it('materialises the members in one insert … select', async (t) => {
      const s = live(t);
      const q = await segments.membersQuery({ filter: { tier: 'gold' } });
      const rows = await sql<{ customer_id: string }>`with m as (${q}) select customer_id from m order by customer_id`.execute(s.db);
      expect(rows.rows.map((r) => byId[r.customer_id]).sort().join('')).toBe('AD');
    });

    it('updates a filter and then evaluates the new one', async (t) => {
      live(t);
      const seg = await segments.create({ name: `upd-${newId()}`, filter: { tier: 'gold' } });
      await segments.update(seg.id, { filter: { tier: 'silver' } });
      expect((await segments.preview(seg.id)).sample.map((s) => byId[s.id])).toEqual(['B']);
      await expect(segments.get(newId())).rejects.toMatchObject({ code: 'not_found' });
    });
  });
}

async function seed(store: Store, p: Person): Promise<string> {
  const id = newId();
  const db = store.db;
  const lastSeen = p.lastSeenDays === null ? null : daysAgo(p.lastSeenDays);
  await sql`insert into customers (id, name, locale, timezone, last_seen_at, tags, lifetime_spend, erased_at)
    values (${id}, ${'c-' + id.slice(0, 4)}, ${p.locale}, null, ${lastSeen}, ${sql`array[${sql.join((p.tags ?? ['-']).map((x) => sql`${x}`))}]::text[]`}, ${p.spend}, ${p.erased ? NOW : null})`.execute(db);
  if (!p.tags) await sql`update customers set tags = '{}' where id = ${id}`.execute(db);
  if (p.identity) {
    await db.insertInto('identities').values({
      id: newId(), customer_id: id, channel: p.identity.channel, external_id: newId(), display_name: null,
      unreachable_at: p.identity.unreachable ? daysAgo(1) : null, unreachable_reason: null,
    }).execute();
  }
  if (p.tier) {
    await sql`insert into loyalty_members (customer_id, tier, joined_at, terms_version, terms_accepted_at, next_review_at, tier_since)
      values (${id}, ${p.tier}, ${NOW}, 'v1', ${NOW}, ${NOW}, ${NOW})`.execute(db);
  }
  for (const o of p.orders ?? []) {
    await sql`insert into orders (id, customer_id, status, total, currency, created_at)
      values (${newId()}, ${id}, ${o.status ?? 'delivered'}, ${o.total}, 'EUR', ${daysAgo(o.daysAgo)})`.execute(db);
  }
  for (const [i, granted] of (p.consent ?? []).entries()) {
    await db.insertInto('consents').values({ customer_id: id, channel: 'telegram', purpose: 'marketing', granted, source: 'web_form', evidence: `f${i}`, created_at: daysAgo(10 - i) }).execute();
  }
  return id;
}
