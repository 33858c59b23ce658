import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { OrderStatus } from './order-events.js';
import { SPEND_STATUSES } from './order-rules.js';
import type { Order, OrderItem, ShippingAddress } from './order.types.js';
import './order.types.js';

export interface OrderInsert {
  id: string;
  customerId: string;
  shopCustomerId: string | null;
  status: OrderStatus;
  total: number;
  currency: string;
  items: OrderItem[];
  trackingNumber: string | null;
  carrier: string | null;
  shippingAddress: ShippingAddress | null;
  createdAt: Date;
  at: Date;
}

export interface OrderChange {
  status: OrderStatus;
  /** The status timestamp column to fill when still empty, with its value. */
  stamp?: { column: 'paid_at' | 'shipped_at' | 'delivered_at' | 'cancelled_at' | 'refunded_at'; at: Date };
  /** Content from the shop; left out for a stale event. */
  content?: Pick<OrderInsert, 'customerId' | 'shopCustomerId' | 'total' | 'currency' | 'items'> & {
    trackingNumber: string | null;
    carrier: string | null;
    shippingAddress: ShippingAddress | null;
  };
  at: Date;
}

/** Orders and the per-customer totals derived from them. Pass a transaction as `db` to compose. */
export class OrderRepository {
  constructor(private readonly db: Db) {}

  /** Inserts the order unless it exists; true when this call created it. */
  async insertIfAbsent(o: OrderInsert): Promise<boolean> {
    const row = await this.db
      .insertInto('orders')
      .values({
        id: o.id, customer_id: o.customerId, shop_customer_id: o.shopCustomerId, status: o.status, total: o.total,
        currency: o.currency, items: JSON.stringify(o.items), tracking_number: o.trackingNumber, carrier: o.carrier,
        shipping_address: o.shippingAddress ? JSON.stringify(o.shippingAddress) : null, created_at: o.createdAt,
        updated_at: o.at, paid_at: null, shipped_at: null, delivered_at: null, cancelled_at: null, refunded_at: null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Reads the order and locks it until the surrounding transaction ends. */
  lock(id: string): Promise<Order | undefined> {
    return this.db.selectFrom('orders').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  }

  findById(id: string): Promise<Order | undefined> {
    return this.db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async change(id: string, c: OrderChange): Promise<void> {
    const content = c.content;
    await this.db
      .updateTable('orders')
      .set((eb) => ({
        status: c.status,
        updated_at: c.at,
        ...(c.stamp ? { [c.stamp.column]: eb.fn.coalesce(c.stamp.column, eb.val(c.stamp.at)) } : {}),
        ...(content
          ? {
              customer_id: content.customerId,
              shop_customer_id: content.shopCustomerId,
              total: content.total,
              currency: content.currency,
              items: JSON.stringify(content.items),
              tracking_number: eb.fn.coalesce(eb.val(content.trackingNumber), eb.ref('tracking_number')),
              carrier: eb.fn.coalesce(eb.val(content.carrier), eb.ref('carrier')),
              ...(content.shippingAddress ? { shipping_address: JSON.stringify(content.shippingAddress) } : {}),
            }
          : {}),
      }))
      .where('id', '=', id)
      .execute();
  }

  async setShippingAddress(id: string, address: ShippingAddress, at: Date): Promise<void> {
    await this.db.updateTable('orders').set({ shipping_address: JSON.stringify(address), updated_at: at }).where('id', '=', id).execute();
  }

  /** The order, only when it belongs to `customerId`. */
  findForCustomer(customerId: string, orderId: string, lock = false): Promise<Order | undefined> {
    let q = this.db.selectFrom('orders').selectAll().where('id', '=', orderId).where('customer_id', '=', customerId);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  }

  recentForCustomer(customerId: string, limit: number): Promise<Order[]> {
    return this.db
      .selectFrom('orders')
      .selectAll()
      .where('customer_id', '=', customerId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  /**
   * Recomputes lifetime spend, order count and last order time from the orders themselves, so a
   * replayed or out-of-order event can never leave the totals off by one order.
   */
  async recomputeCustomerTotals(customerId: string): Promise<void> {
    const spend = sql.join(SPEND_STATUSES.map((s) => sql.lit(s)));
    await sql`
      update customers c set
        lifetime_spend = t.spend, order_count = t.n, last_order_at = t.last_at
      from (
        select
          coalesce(sum(total) filter (where status in (${spend})), 0) as spend,
          count(*) filter (where status in (${spend}))::int as n,
          max(created_at) filter (where status not in ('cancelled', 'refunded')) as last_at
        from orders where customer_id = ${customerId}
      ) t
      where c.id = ${customerId}`.execute(this.db);
  }

  /** Moves orders from one customer to another (identity linking) and returns the number moved. */
  async reassign(fromCustomerId: string, toCustomerId: string): Promise<number> {
    const r = await this.db.updateTable('orders').set({ customer_id: toCustomerId }).where('customer_id', '=', fromCustomerId).executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0);
  }

  /** Removes the shipping address of every order of the customer (erasure); totals stay. */
  async eraseAddresses(customerId: string): Promise<void> {
    await this.db.updateTable('orders').set({ shipping_address: null }).where('customer_id', '=', customerId).execute();
  }
}
