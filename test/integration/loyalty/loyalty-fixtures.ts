import { sql } from 'kysely';
import { ManualClock } from '../../../src/core/clock.js';
import { newId } from '../../../src/core/ids.js';
import { ConsentRepository } from '../../../src/crm/consent/consent.repository.js';
import { ConsentService } from '../../../src/crm/consent/consent.service.js';
import { loyaltyConfigSchema, type LoyaltyConfig, type RewardConfig } from '../../../src/crm/loyalty/loyalty.config.js';
import type { LoyaltyNotification } from '../../../src/crm/loyalty/loyalty.types.js';
import { LoyaltyService } from '../../../src/crm/loyalty/loyalty.service.js';
import type { OrderEvent, OrderStatus } from '../../../src/crm/orders/order-events.js';
import type { Db } from '../../../src/storage/database.js';

export const DAY = 86_400_000;

/** The programme the tests run: 1 point per unit, tiers at 0 / 500 / 2000 / 5000 spend. */
export function testConfig(overrides: Record<string, unknown> = {}): LoyaltyConfig {
  const base = {
    programme: { mode: 'open', termsVersion: 't-1', entry: { minSpend: 0, invitationRequired: false } },
    tiers: {
      basis: 'spend',
      windowMonths: 12,
      downgrade: 'one-step',
      levels: [
        tier('bronze', '铜牌', 0, 1),
        tier('silver', '银牌', 500, 1.25),
        tier('gold', '金牌', 2000, 1.5),
        tier('diamond', '钻石', 5000, 2),
      ],
    },
    earning: { pointsPerUnit: 1, currencyRates: { JPY: 0.01 }, signupBonus: 100, firstOrderBonus: 200, birthday: { type: 'fixed', points: 300 }, reviewBonus: 20 },
    returnWindowDays: 30,
    expiryMonths: 12,
    expiringSoonDays: 30,
    review: { type: 'anniversary', months: 12 },
    measures: { churnDays: 90, activeMinOrders: 1, revenueWindowMonths: 12, premiumFromTier: 'gold' },
  };
  return loyaltyConfigSchema.parse(deepMerge(base, overrides));
}

function tier(id: string, zh: string, threshold: number, multiplier: number) {
  const en = id[0].toUpperCase() + id.slice(1);
  return { id, name: { en, 'zh-CN': zh }, threshold, multiplier, benefits: { en: [`${en} perks`], 'zh-CN': [`${zh}礼遇`] } };
}

function deepMerge(a: any, b: any): any {
  if (typeof a !== 'object' || a === null || Array.isArray(a) || typeof b !== 'object' || b === null || Array.isArray(b)) return b;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in a ? deepMerge(a[k], v) : v;
  return out;
}

export const TEST_REWARDS: RewardConfig[] = [
  { id: 'coupon-5', name: { en: '5 off', 'zh-CN': '立减 5 元' }, cost: 300, coupon: { type: 'fixed', value: 5, currency: 'USD' }, validDays: 30 },
  { id: 'limited', name: { en: 'Limited', 'zh-CN': '限量' }, cost: 50, coupon: { type: 'percent', value: 10 }, validDays: 30, stock: 2 },
];

export interface Harness {
  db: Db;
  clock: ManualClock;
  loyalty: LoyaltyService;
  consent: ConsentService;
  notices: Array<{ customerId: string } & LoyaltyNotification>;
  /** Customers whose next notice fails (as if the outbox insert failed), once each. */
  failNoticeFor: Set<string>;
}

export async function harness(db: Db, config = testConfig(), start = '2026-03-01T00:00:00Z'): Promise<Harness> {
  const clock = new ManualClock(start);
  const consent = new ConsentService(new ConsentRepository(db));
  const notices: Harness['notices'] = [];
  const failNoticeFor = new Set<string>();
  const loyalty = new LoyaltyService({
    db, clock, config, rewards: TEST_REWARDS, consent,
    notify: async (customerId, n) => {
      if (failNoticeFor.delete(customerId)) throw new Error('outbox down');
      notices.push({ customerId, ...n });
    },
  });
  await loyalty.syncRewards();
  return { db, clock, loyalty, consent, notices, failNoticeFor };
}

/** A customer row with the 0002 columns loyalty reads. */
export async function customer(db: Db, opts: { birthday?: string; lifetimeSpend?: number } = {}): Promise<string> {
  const id = newId();
  await sql`insert into customers (id, name, birthday, lifetime_spend) values (${id}, 'Test', ${opts.birthday ?? null}, ${opts.lifetimeSpend ?? 0})`.execute(db);
  return id;
}

/** Writes (or moves) an order row the way the shop integration does, and returns the event for it. */
export async function orderEvent(db: Db, o: { id?: string; customerId: string; status: OrderStatus; total: number; at: Date; currency?: string; items?: unknown[] }): Promise<OrderEvent> {
  const id = o.id ?? `o-${newId().slice(0, 8)}`;
  const items = o.items ?? [{ sku: 'SKU-1', quantity: 1, price: o.total }];
  const stamp = `${o.status}_at`;
  await sql`
    insert into orders (id, customer_id, status, total, currency, items, created_at)
    values (${id}, ${o.customerId}, ${o.status}, ${o.total}, ${o.currency ?? 'USD'}, ${JSON.stringify(items)}, ${o.at})
    on conflict (id) do update set status = excluded.status`.execute(db);
  if (o.status !== 'created') await sql`update orders set ${sql.ref(stamp)} = coalesce(${sql.ref(stamp)}, ${o.at}) where id = ${id}`.execute(db);
  return {
    eventId: `ev-${newId()}`,
    type: `order.${o.status}`,
    occurredAt: o.at,
    order: { id, customerId: o.customerId, status: o.status, total: o.total, currency: o.currency ?? 'USD', items: items as OrderEvent['order']['items'], createdAt: o.at },
  };
}

/** Same order, another status: a new event as the shop would send it. */
export function next(ev: OrderEvent, status: OrderStatus, at: Date): OrderEvent {
  return { ...ev, eventId: `ev-${newId()}`, type: `order.${status}`, occurredAt: at, order: { ...ev.order, status } };
}

export async function ledgerSum(db: Db, customerId: string): Promise<number> {
  const { rows } = await sql<{ s: number }>`select coalesce(sum(delta), 0)::int as s from points_ledger where customer_id = ${customerId}`.execute(db);
  return Number(rows[0].s);
}

export async function ledgerRows(db: Db, customerId: string) {
  return db.selectFrom('points_ledger').selectAll().where('customer_id', '=', customerId).orderBy('id').execute();
}
