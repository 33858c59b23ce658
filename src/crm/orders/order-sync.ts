import type { Db } from '../../storage/database.js';
import { CustomerRepository } from '../customers/customer.repository.js';
import type { OrderStatus } from './order-events.js';
import { OrderRepository } from './order.repository.js';
import { nextStatus, statusTimestampColumn } from './order-rules.js';
import type { Order, OrderItem, ShippingAddress } from './order.types.js';

/** An order as the shop reports it in an `order.*` event (or an import row). */
export interface ShopOrderData {
  id: string;
  /** The shop's customer id. */
  customerId: string;
  status: OrderStatus;
  total: number;
  currency: string;
  items: OrderItem[];
  createdAt: Date;
  trackingNumber?: string;
  carrier?: string;
  shippingAddress?: ShippingAddress;
}

export interface OrderSyncResult {
  order: Order;
  /** Status before this update (undefined for a new order). */
  previousStatus?: OrderStatus;
  /** True when the order is new or its status changed; false for a stale or repeated status. */
  changed: boolean;
  /** True when the order's customer had to be created from the shop id alone. */
  createdPlaceholder: boolean;
}

/**
 * Records the shop's view of an order inside the caller's transaction: creates the customer when
 * the shop id is unknown, never moves the status backwards (see `nextStatus`), fills status
 * timestamps once (with the event's time), and recomputes the customer's totals from their orders.
 */
export async function applyShopOrder(trx: Db, data: ShopOrderData, occurredAt: Date, at: Date): Promise<OrderSyncResult> {
  const orders = new OrderRepository(trx);
  const { id: customerId, created: createdPlaceholder } = await new CustomerRepository(trx).ensureByShopId(data.customerId, at);
  const content = {
    customerId, shopCustomerId: data.customerId, total: data.total, currency: data.currency.toUpperCase(), items: data.items,
    trackingNumber: data.trackingNumber ?? null, carrier: data.carrier ?? null, shippingAddress: data.shippingAddress ?? null,
  };
  const column = statusTimestampColumn(data.status);
  const inserted = await orders.insertIfAbsent({ id: data.id, ...content, status: data.status, createdAt: data.createdAt, at });
  const current = (await orders.lock(data.id))!;
  let previousStatus: OrderStatus | undefined;
  let changed = inserted;
  if (inserted) {
    if (column) await orders.change(data.id, { status: data.status, stamp: { column, at: occurredAt }, at });
  } else {
    previousStatus = current.status;
    const status = nextStatus(current.status, data.status);
    changed = status !== current.status;
    await orders.change(data.id, { status, ...(column ? { stamp: { column, at: occurredAt } } : {}), ...(status === data.status ? { content } : {}), at });
    if (current.customer_id && current.customer_id !== customerId) await orders.recomputeCustomerTotals(current.customer_id);
  }
  await orders.recomputeCustomerTotals(customerId);
  return { order: (await orders.findById(data.id))!, previousStatus, changed, createdPlaceholder };
}
