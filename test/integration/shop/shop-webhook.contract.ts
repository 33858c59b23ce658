import { describe, expect, it } from 'vitest';
import { newId } from '../../../src/core/ids.js';
import { signShopBody } from '../../../src/crm/shop/index.js';
import type { Store } from '../../../src/storage/database.js';
import { customerEvent, orderEvent, postEvent, SECRET, startKit, useShopKit } from './shop-kit.js';

/** The shop webhook over HTTP, on PGlite and on PostgreSQL (`open` returns null to skip). */
export function describeShopWebhookContract(name: string, open: () => Promise<Store | null>): void {
  describe(`shop webhook: ${name}`, () => {
    const env = useShopKit(open);
    const db = () => env.store!.db;
    const ids = () => ({ id: `A-${newId().slice(0, 8)}`, customerId: `c-${newId().slice(0, 8)}` });
    const orderRow = (id: string) => db().selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const customerOf = (shopId: string) => db().selectFrom('customers').selectAll().where('shop_customer_id', '=', shopId).executeTakeFirstOrThrow();

    it('accepts a correctly signed order event and records the order', async (t) => {
      if (!env.store) return t.skip();
      const o = ids();
      const res = await postEvent(env.kit, orderEvent('created', o));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'processed' });
      expect((await orderRow(o.id)).status).toBe('created');
    });

    it('rejects a forged signature with 401 and changes nothing', async (t) => {
      if (!env.store) return t.skip();
      const o = ids();
      const forged = await postEvent(env.kit, orderEvent('created', o), { secret: 'not-the-secret' });
      expect(forged.status).toBe(401);
      const garbage = await postEvent(env.kit, orderEvent('created', o), { signature: 'sha256=abc' });
      expect(garbage.status).toBe(401);
      const raw = JSON.stringify(orderEvent('created', o));
      const bodySwapped = await postEvent(env.kit, null, { raw: raw.replace('"total":100', '"total":1'), signature: signShopBody(SECRET, raw) });
      expect(bodySwapped.status).toBe(401);
      expect(await db().selectFrom('orders').select('id').where('id', '=', o.id).executeTakeFirst()).toBeUndefined();
    });

    it('rejects a request without a signature with 401', async (t) => {
      if (!env.store) return t.skip();
      const res = await postEvent(env.kit, orderEvent('created', ids()), { signature: null });
      expect(res.status).toBe(401);
      expect(res.body?.error.message).toMatch(/X-Shop-Signature/);
    });

    it('answers 503 naming SHOP_WEBHOOK_SECRET when no secret is configured', async (t) => {
      if (!env.store) return t.skip();
      const unconfigured = await startKit(env.store, { unconfigured: true });
      try {
        const res = await postEvent(unconfigured, orderEvent('created', ids()));
        expect(res.status).toBe(503);
        expect(res.body?.error.message).toMatch(/SHOP_WEBHOOK_SECRET/);
      } finally {
        await unconfigured.close();
      }
    });

    it('answers a replay of the same event id with duplicate and applies it once', async (t) => {
      if (!env.store) return t.skip();
      const o = ids();
      const event = orderEvent('paid', o);
      expect((await postEvent(env.kit, event)).body).toMatchObject({ status: 'processed' });
      const again = await postEvent(env.kit, event);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ status: 'duplicate', eventId: event.id });
      expect(env.kit.listener.for(event.id)).toHaveLength(1);
      expect((await customerOf(o.customerId)).order_count).toBe(1);
    });

    it('applies an event delivered five times at once exactly once and tells the listener once', async (t) => {
      if (!env.store) return t.skip();
      const o = ids();
      const event = orderEvent('paid', o);
      const results = await Promise.all(Array.from({ length: 5 }, () => postEvent(env.kit, event)));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(results.filter((r) => r.body?.status === 'processed')).toHaveLength(1);
      expect(env.kit.listener.for(event.id)).toHaveLength(1);
      const customer = await customerOf(o.customerId);
      expect([customer.order_count, Number(customer.lifetime_spend)]).toEqual([1, 100]);
      expect(await db().selectFrom('customers').select('id').where('shop_customer_id', '=', o.customerId).execute()).toHaveLength(1);
    });

    it('answers malformed bodies with 400 naming the field', async (t) => {
      if (!env.store) return t.skip();
      const o = ids();
      const good = orderEvent('created', o);
      const cases: Array<[unknown, RegExp]> = [
        [{ ...good, id: undefined }, /^id:/],
        [{ ...good, type: 'order.exploded' }, /^type:/],
        [{ ...good, occurredAt: 'yesterday' }, /^occurredAt:/],
        [{ ...good, data: { ...good.data, total: 'lots' } }, /^data\.total:/],
        [{ ...good, data: { ...good.data, items: [{ sku: 'X', quantity: 0, price: 1 }] } }, /^data\.items\.0\.quantity:/],
        [{ ...good, data: { ...good.data, createdAt: 'soon' } }, /^data\.createdAt:/],
        [{ ...good, data: { ...good.data, currency: 'euro' } }, /^data\.currency:/],
        [{ ...good, data: { ...good.data, status: 'paid' } }, /^data\.status:/],
        [customerEvent({ id: 'x', email: 'not-an-email' }), /^data\.email:/],
        [{ id: 'p', type: 'product.upserted', occurredAt: good.occurredAt, data: { sku: 'S' } }, /^data\.name:/],
      ];
      for (const [body, field] of cases) {
        const res = await postEvent(env.kit, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body?.error.message).toMatch(field);
      }
      const notJson = await postEvent(env.kit, null, { raw: '{"id": ' });
      expect(notJson.status).toBe(400);
      expect(await db().selectFrom('orders').select('id').where('id', '=', o.id).executeTakeFirst()).toBeUndefined();
    });

    it('moves an order through created, paid, shipped and delivered with a timestamp for each', async (t) => {
      if (!env.store) return t.skip();
      const o = ids();
      const steps: Array<[string, string]> = [['created', '09:00'], ['paid', '09:05'], ['shipped', '12:00'], ['delivered', '18:00']];
      for (const [status, time] of steps) {
        const event = { ...orderEvent(status, { ...o, ...(status === 'shipped' ? { trackingNumber: 'TRK1', carrier: 'DHL' } : {}) }), occurredAt: `2026-03-01T${time}:00Z` };
        expect((await postEvent(env.kit, event)).body).toMatchObject({ status: 'processed' });
        expect((await orderRow(o.id)).status).toBe(status);
      }
      const row = await orderRow(o.id);
      expect(row.paid_at?.toISOString()).toBe('2026-03-01T09:05:00.000Z');
      expect(row.shipped_at?.toISOString()).toBe('2026-03-01T12:00:00.000Z');
      expect(row.delivered_at?.toISOString()).toBe('2026-03-01T18:00:00.000Z');
      expect([row.tracking_number, row.carrier]).toEqual(['TRK1', 'DHL']);
      expect(env.kit.listener.events.filter((e) => e.order.id === o.id).map((e) => [e.type, e.previousStatus ?? null])).toEqual([
        ['order.created', null], ['order.paid', 'created'], ['order.shipped', 'paid'], ['order.delivered', 'shipped'],
      ]);
    });

    it('never moves a status backwards but cancels or refunds from anywhere', async (t) => {
      if (!env.store) return t.skip();
      const o = ids();
      await postEvent(env.kit, orderEvent('shipped', o));
      await postEvent(env.kit, orderEvent('paid', o));
      expect((await orderRow(o.id)).status).toBe('shipped');
      expect((await orderRow(o.id)).paid_at).not.toBeNull();
      expect(env.kit.listener.events.filter((e) => e.order.id === o.id).map((e) => e.type)).toEqual(['order.shipped']);
      await postEvent(env.kit, orderEvent('refunded', o));
      expect((await orderRow(o.id)).status).toBe('refunded');
      await postEvent(env.kit, orderEvent('delivered', o));
      await postEvent(env.kit, orderEvent('cancelled', o));
      expect((await orderRow(o.id)).status).toBe('refunded');

      const c = ids();
      await postEvent(env.kit, orderEvent('paid', c));
      await postEvent(env.kit, orderEvent('cancelled', c));
      await postEvent(env.kit, orderEvent('delivered', c));
      expect((await orderRow(c.id)).status).toBe('cancelled');
      await postEvent(env.kit, orderEvent('refunded', c));
      expect((await orderRow(c.id)).status).toBe('refunded');
    });

    it('counts paid, shipped and delivered orders as spend and takes refunds back out', async (t) => {
      if (!env.store) return t.skip();
      const customerId = `c-${newId().slice(0, 8)}`;
      const order = (suffix: string, total: number, createdAt: string) => ({ id: `S-${suffix}-${customerId}`, customerId, total, createdAt });
      await postEvent(env.kit, orderEvent('paid', order('a', 100, '2026-02-01T00:00:00Z')));
      await postEvent(env.kit, orderEvent('delivered', order('b', 50.5, '2026-02-10T00:00:00Z')));
      await postEvent(env.kit, orderEvent('created', order('c', 30, '2026-02-20T00:00:00Z')));
      await postEvent(env.kit, orderEvent('cancelled', order('d', 999, '2026-02-25T00:00:00Z')));
      let customer = await customerOf(customerId);
      expect([Number(customer.lifetime_spend), customer.order_count]).toEqual([150.5, 2]);
      expect(customer.last_order_at?.toISOString()).toBe('2026-02-20T00:00:00.000Z');
      await postEvent(env.kit, orderEvent('refunded', order('a', 100, '2026-02-01T00:00:00Z')));
      customer = await customerOf(customerId);
      expect([Number(customer.lifetime_spend), customer.order_count]).toEqual([50.5, 1]);
    });

    it('creates a placeholder for an unknown shop customer and fills it in from customer.upserted', async (t) => {
      if (!env.store) return t.skip();
      const o = ids();
      await postEvent(env.kit, orderEvent('created', o));
      const placeholder = await customerOf(o.customerId);
      expect(placeholder.name).toBeNull();
      expect((await orderRow(o.id)).customer_id).toBe(placeholder.id);
      const res = await postEvent(env.kit, customerEvent({ id: o.customerId, email: 'Ana@Example.com', name: 'Ana', phone: '+49 30 1234567', birthday: '1990-05-04', tags: ['vip'], timezone: 'Europe/Berlin' }));
      expect(res.status).toBe(200);
      const filled = await env.kit.module.customers.get(placeholder.id);
      expect(filled).toMatchObject({ name: 'Ana', email: 'ana@example.com', birthday: '1990-05-04', tags: ['vip'], timezone: 'Europe/Berlin', shopCustomerId: o.customerId });
      expect(filled?.identities.map((i) => [i.channel, i.externalId, i.verified])).toEqual([['email', 'ana@example.com', true]]);
      await postEvent(env.kit, customerEvent({ id: o.customerId, email: 'ana.new@example.com' }));
      expect((await env.kit.module.customers.get(placeholder.id))?.identities.map((i) => i.externalId)).toEqual(['ana.new@example.com']);
    });

    it('hands product.upserted to the product sink once', async (t) => {
      if (!env.store) return t.skip();
      const sku = `SKU-${newId().slice(0, 6)}`;
      const event = { id: `p-${sku}`, type: 'product.upserted', occurredAt: '2026-03-01T10:00:00Z', data: { sku, name: 'Mug', price: 12.5, stock: 3 } };
      expect((await postEvent(env.kit, event)).body).toMatchObject({ status: 'processed' });
      expect((await postEvent(env.kit, event)).body).toMatchObject({ status: 'duplicate' });
      expect(env.kit.sink.rows.filter((r) => r.sku === sku)).toEqual([{ sku, name: 'Mug', price: 12.5, stock: 3 }]);
    });

    it('retries the listeners on the redelivery after one failed, and only then', async (t) => {
      if (!env.store) return t.skip();
      const event = orderEvent('paid', ids());
      env.kit.listener.failNext = 1;
      const first = await postEvent(env.kit, event);
      expect(first.status).toBe(503);
      expect(env.kit.listener.for(event.id)).toHaveLength(0);
      expect((await postEvent(env.kit, event)).body).toMatchObject({ status: 'duplicate' });
      expect((await postEvent(env.kit, event)).body).toMatchObject({ status: 'duplicate' });
      expect(env.kit.listener.for(event.id)).toHaveLength(1);
    });

    it('runs the listeners of a failed dispatch from the sweeper when the shop never redelivers', async (t) => {
      if (!env.store) return t.skip();
      const event = orderEvent('paid', ids());
      env.kit.listener.failNext = 1;
      expect((await postEvent(env.kit, event)).status).toBe(503);
      await env.kit.module.shopWebhook.resumePending();
      expect(env.kit.listener.for(event.id).map((e) => e.type)).toEqual(['order.paid']);
      // Dispatched now: neither the sweeper nor a late redelivery runs it again.
      await env.kit.module.shopWebhook.resumePending();
      expect((await postEvent(env.kit, event)).body).toMatchObject({ status: 'duplicate' });
      expect(env.kit.listener.for(event.id)).toHaveLength(1);
    });
  });
}
