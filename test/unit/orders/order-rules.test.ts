import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OrderStatus } from '../../../src/crm/orders/order-events.js';
import { estimateDelivery, nextStatus } from '../../../src/crm/orders/order-rules.js';

const STATUSES: OrderStatus[] = ['created', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'];
const FORWARD: OrderStatus[] = ['created', 'paid', 'shipped', 'delivered'];

describe('order status rules', () => {
  it('never moves an order backwards along created, paid, shipped, delivered whatever the event order', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FORWARD), { minLength: 1, maxLength: 12 }), (events) => {
        let status: OrderStatus | undefined;
        for (const e of events) {
          const next = nextStatus(status, e);
          if (status) expect(FORWARD.indexOf(next)).toBeGreaterThanOrEqual(FORWARD.indexOf(status));
          status = next;
        }
        expect(status).toBe(events.reduce((a, b) => (FORWARD.indexOf(b) > FORWARD.indexOf(a) ? b : a)));
      }),
    );
  });

  it('keeps a refunded order refunded and lets a cancelled one only become refunded', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STATUSES), (incoming) => {
        expect(nextStatus('refunded', incoming)).toBe('refunded');
        expect(nextStatus('cancelled', incoming)).toBe(incoming === 'refunded' ? 'refunded' : 'cancelled');
      }),
    );
  });

  it('cancels or refunds an order from any forward status', () => {
    for (const from of FORWARD) {
      expect(nextStatus(from, 'cancelled')).toBe('cancelled');
      expect(nextStatus(from, 'refunded')).toBe('refunded');
    }
  });

  it('gives no delivery estimate for a cancelled order and the delivery time for a delivered one', () => {
    const base = { carrier: null, created_at: new Date('2026-01-01T00:00:00Z'), paid_at: null, shipped_at: null, delivered_at: new Date('2026-01-04T00:00:00Z') };
    expect(estimateDelivery({ ...base, status: 'cancelled' })).toBeUndefined();
    expect(estimateDelivery({ ...base, status: 'delivered' })).toEqual({ status: 'delivered', by: base.delivered_at, delivered: true });
    expect(estimateDelivery({ ...base, status: 'created', delivered_at: null })?.by.toISOString()).toBe('2026-01-08T00:00:00.000Z');
  });
});
