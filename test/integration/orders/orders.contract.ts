import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/core/ids.js';
import { CustomerRepository } from '../../../src/crm/customers/customer.repository.js';
import { shopEventSchema } from '../../../src/crm/shop/shop-webhook.schema.js';
import type { Store } from '../../../src/storage/database.js';
import { orderEvent, useShopKit } from '../shop/shop-kit.js';

/** Customer-scoped order rules (lookups, cancel, address change), on PGlite and PostgreSQL. */
export function describeOrdersContract(name: string, open: () => Promise<Store | null>): void {
  describe(`orders: ${name}`, () => {
    const env = useShopKit(open);

    async function placeOrder(status: string, extra: Record<string, unknown> = {}) {
      const shopId = `c-${newId().slice(0, 8)}`;
      const orderId = `A${newId().slice(0, 6)}`;
      await env.kit.module.shopWebhook.handle(shopEventSchema.parse(orderEvent(status, { id: orderId, customerId: shopId, ...extra })));
      const customerId = (await new CustomerRepository(env.store!.db).findIdByShopId(shopId))!;
      return { shopId, orderId, customerId };
    }

    it('shows an order only to the customer who owns it', async (t) => {
      if (!env.store) return t.skip();
      const mine = await placeOrder('paid');
      const theirs = await placeOrder('paid');
      expect((await env.kit.module.orders.findForCustomer(mine.customerId, mine.orderId))?.id).toBe(mine.orderId);
      expect(await env.kit.module.orders.findForCustomer(mine.customerId, `#${mine.orderId}`)).toBeDefined();
      expect(await env.kit.module.orders.findForCustomer(mine.customerId, theirs.orderId)).toBeUndefined();
      expect(await env.kit.module.orders.findForCustomer(mine.customerId, 'NOPE-1')).toBeUndefined();
      await expect(env.kit.module.orders.cancel(mine.customerId, theirs.orderId)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('lists a customer’s recent orders newest first', async (t) => {
      if (!env.store) return t.skip();
      const first = await placeOrder('created', { createdAt: '2026-01-01T00:00:00Z' });
      await env.kit.module.shopWebhook.handle(shopEventSchema.parse(orderEvent('created', { id: `${first.orderId}-2`, customerId: first.shopId, createdAt: '2026-02-01T00:00:00Z' })));
      const recent = await env.kit.module.orders.recentForCustomer(first.customerId);
      expect(recent.map((o) => o.id)).toEqual([`${first.orderId}-2`, first.orderId]);
      expect((await env.kit.module.orders.recentForCustomer(first.customerId, 1)).map((o) => o.id)).toEqual([`${first.orderId}-2`]);
    });

    it('cancels a paid order, updates the totals and tells the listeners', async (t) => {
      if (!env.store) return t.skip();
      const o = await placeOrder('paid');
      expect((await new CustomerRepository(env.store!.db).profile(o.customerId))?.lifetimeSpend).toBe(100);
      const cancelled = await env.kit.module.orders.cancel(o.customerId, o.orderId);
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.cancelled_at).toBeInstanceOf(Date);
      expect((await new CustomerRepository(env.store!.db).profile(o.customerId))).toMatchObject({ lifetimeSpend: 0, orderCount: 0 });
      expect(env.kit.listener.for(`patron-cancel:${o.orderId}`).map((e) => [e.type, e.previousStatus])).toEqual([['order.cancelled', 'paid']]);
    });

    it('keeps a cancellation whose listener failed, and the dispatch sweeper tells the listener once', async (t) => {
      if (!env.store) return t.skip();
      const o = await placeOrder('paid');
      const eventId = `patron-cancel:${o.orderId}`;
      env.kit.listener.failNext = 1;
      expect((await env.kit.module.orders.cancel(o.customerId, o.orderId)).status).toBe('cancelled');
      expect(env.kit.listener.for(eventId)).toEqual([]);
      const row = await env.store!.db.selectFrom('shop_events').select(['dispatched_at', 'dispatch_claimed_at']).where('id', '=', eventId).executeTakeFirstOrThrow();
      expect(row).toEqual({ dispatched_at: null, dispatch_claimed_at: null });
      expect((await env.kit.module.shopWebhook.resumePending()).dispatched).toBeGreaterThanOrEqual(1);
      expect(env.kit.listener.for(eventId).map((e) => [e.type, e.order.status])).toEqual([['order.cancelled', 'cancelled']]);
      await env.kit.module.shopWebhook.resumePending();
      expect(env.kit.listener.for(eventId)).toHaveLength(1);
    });

    it('finishes a dispatch whose process died (claim left behind) once the claim has expired', async (t) => {
      if (!env.store) return t.skip();
      const o = await placeOrder('paid');
      const eventId = `patron-cancel:${o.orderId}`;
      env.kit.listener.failNext = 1;
      await env.kit.module.orders.cancel(o.customerId, o.orderId);
      // As if a process had claimed the dispatch and died before the listeners ran.
      await env.store!.db.updateTable('shop_events').set({ dispatch_claimed_at: env.kit.clock.now() }).where('id', '=', eventId).execute();
      await env.kit.module.shopWebhook.resumePending();
      expect(env.kit.listener.for(eventId)).toEqual([]);
      env.kit.clock.advance(61_000);
      await env.kit.module.shopWebhook.resumePending();
      expect(env.kit.listener.for(eventId)).toHaveLength(1);
    });

    it('refuses to cancel a shipped order with a conflict naming its status', async (t) => {
      if (!env.store) return t.skip();
      const o = await placeOrder('shipped');
      await expect(env.kit.module.orders.cancel(o.customerId, o.orderId)).rejects.toMatchObject({ code: 'conflict', message: `order ${o.orderId} is already shipped and can no longer be cancelled` });
      expect((await env.kit.module.orders.findForCustomer(o.customerId, o.orderId))?.status).toBe('shipped');
    });

    it('changes the shipping address before shipping, and not after', async (t) => {
      if (!env.store) return t.skip();
      const o = await placeOrder('created');
      const address = { line1: '2 New Rd', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' };
      expect((await env.kit.module.orders.changeAddress(o.customerId, o.orderId, address)).shipping_address).toEqual(address);
      await expect(env.kit.module.orders.changeAddress(o.customerId, o.orderId, { line1: '', city: 'x', postalCode: '1', country: 'GB' })).rejects.toThrow(/^address\.line1:/);
      const shipped = await placeOrder('delivered');
      await expect(env.kit.module.orders.changeAddress(shipped.customerId, shipped.orderId, address)).rejects.toMatchObject({ code: 'conflict' });
    });

    it('estimates delivery from the shipping date and the carrier', async (t) => {
      if (!env.store) return t.skip();
      const o = await placeOrder('shipped', { carrier: 'DHL', trackingNumber: 'T1' });
      const order = (await env.kit.module.orders.findForCustomer(o.customerId, o.orderId))!;
      const estimate = env.kit.module.orders.estimateDelivery(order);
      expect(estimate).toMatchObject({ status: 'shipped', delivered: false });
      expect(estimate!.by.getTime() - order.shipped_at!.getTime()).toBe(3 * 86_400_000);
    });
  });
}
