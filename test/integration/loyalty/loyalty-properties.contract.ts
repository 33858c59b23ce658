import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../src/core/errors.js';
import { newId } from '../../../src/core/ids.js';
import type { OrderEvent, OrderStatus } from '../../../src/crm/orders/order-events.js';
import { migrate, type Store } from '../../../src/storage/database.js';
import { customer, DAY, harness, ledgerRows, ledgerSum, testConfig, type Harness } from './loyalty-fixtures.js';

type Op =
  | { kind: 'event'; order: number; status: OrderStatus }
  | { kind: 'redeem'; reward: 'coupon-5' | 'limited'; key: number }
  | { kind: 'adjust'; delta: number; key: number }
  | { kind: 'advance'; days: number }
  | { kind: 'expire' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('event' as const), order: fc.integer({ min: 0, max: 3 }), status: fc.constantFrom<OrderStatus>('paid', 'delivered', 'refunded', 'cancelled', 'shipped') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('redeem' as const), reward: fc.constantFrom('coupon-5' as const, 'limited' as const), key: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('adjust' as const), delta: fc.integer({ min: -400, max: 400 }).filter((d) => d !== 0), key: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), days: fc.integer({ min: 1, max: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const) }) },
);

/** Batches run concurrently (duplicates included); batches run one after another. */
const scenarioArb = fc.record({
  totals: fc.array(fc.integer({ min: 1, max: 200_000 }).map((c) => c / 100), { minLength: 4, maxLength: 4 }),
  batches: fc.array(fc.array(opArb, { minLength: 1, maxLength: 3 }).chain((b) => fc.constantFrom(b, [...b, ...b])), { minLength: 1, maxLength: 10 }),
});

/** Property tests of the ledger invariants under any interleaving of events, redemptions and expiries. */
export function describeLoyaltyProperties(name: string, open: () => Promise<Store | null>): void {
  describe(`loyalty properties: ${name}`, () => {
    let store: Store | null = null;
    let h: Harness;
    beforeAll(async () => {
      store = await open();
      if (!store) return;
      await migrate(store.db);
      h = await harness(store.db, testConfig({ tiers: { basis: 'points' }, earning: { birthday: { type: 'none' } } }));
    });
    afterAll(async () => {
      await store?.close();
    });

    it('keeps balance == sum(ledger) >= 0 and credits each order at most once, whatever the order of events', async (t) => {
      if (!store) return t.skip();
      const db = store.db;
      await fc.assert(
        fc.asyncProperty(scenarioArb, async ({ totals, batches }) => {
          const id = await customer(db);
          await h.loyalty.enroll(id, { termsAccepted: true });
          const orders = totals.map((total) => ({ id: `p-${newId().slice(0, 12)}`, total }));
          const run = async (op: Op) => {
            switch (op.kind) {
              case 'event': return h.loyalty.onOrderEvent(event(id, orders[op.order], op.status, h.clock.now()));
              case 'redeem': return h.loyalty.redeem(id, op.reward, `k${op.key}`);
              case 'adjust': return h.loyalty.adjust(id, op.delta, 'property test', 'tester', `a${op.key}`);
              case 'advance': return h.clock.advance(op.days * DAY);
              case 'expire': return h.loyalty.expirePoints(h.clock.now());
            }
          };
          for (const batch of batches) {
            const results = await Promise.allSettled(batch.map(run));
            for (const r of results) {
              // Refusals (not enough points, out of stock, key reuse) are fine; anything else is a bug.
              if (r.status === 'rejected' && !isAppError(r.reason)) throw r.reason;
            }
            await checkInvariants(h, id);
          }
        }),
        { numRuns: 25 },
      );
    });
  });
}

function event(customerId: string, order: { id: string; total: number }, status: OrderStatus, at: Date): OrderEvent {
  return {
    eventId: `ev-${newId()}`,
    type: `order.${status}`,
    occurredAt: at,
    order: { id: order.id, customerId, status, total: order.total, currency: 'USD', items: [], createdAt: at },
  };
}

async function checkInvariants(h: Harness, customerId: string): Promise<void> {
  const sum = await ledgerSum(h.db, customerId);
  const balance = await h.loyalty.balance(customerId);
  expect(balance.total).toBe(sum);
  expect(sum).toBeGreaterThanOrEqual(0);
  expect(balance.available).toBeGreaterThanOrEqual(0);
  expect(balance.pending).toBeGreaterThanOrEqual(0);
  expect(balance.available + balance.pending).toBe(sum);
  const rows = await ledgerRows(h.db, customerId);
  const byOrder = new Map<string, typeof rows>();
  for (const r of rows) if (r.order_id) byOrder.set(r.order_id, [...(byOrder.get(r.order_id) ?? []), r]);
  for (const [orderId, entries] of byOrder) {
    const earns = entries.filter((e) => e.kind === 'earn_order');
    const reverses = entries.filter((e) => e.kind === 'reverse_refund');
    expect(earns.length, `order ${orderId} credited more than once`).toBeLessThanOrEqual(1);
    expect(reverses.length).toBeLessThanOrEqual(1);
    const credited = entries.filter((e) => e.delta > 0 && e.kind !== 'earn_review').reduce((s, e) => s + e.delta, 0);
    if (reverses[0]) {
      expect(-reverses[0].delta).toBeLessThanOrEqual(credited);
      // Once an order is closed by a refund or cancellation nothing may credit it afterwards.
      for (const e of earns) expect(BigInt(e.id) < BigInt(reverses[0].id)).toBe(true);
    }
  }
  // Running sum never dips below zero at any point of the ledger.
  let running = 0;
  for (const r of rows) {
    running += r.delta;
    expect(running).toBeGreaterThanOrEqual(0);
  }
}
