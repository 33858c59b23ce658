import type { ColumnType, Selectable } from 'kysely';
import type { OrderStatus } from './order-events.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface OrderItem {
  sku: string;
  quantity: number;
  price: number;
}

/** A shipping address as the shop sends it (free-form keys kept as given). */
export type ShippingAddress = Record<string, string>;

/** Orders as the shop reports them; `id` is the shop's order id (e.g. 'A1023'). */
export interface OrdersTable {
  id: string;
  /** Patron customer; null only after the customer row was deleted. */
  customer_id: string | null;
  shop_customer_id: string | null;
  status: OrderStatus;
  total: number;
  currency: string;
  items: Json<OrderItem[]>;
  tracking_number: string | null;
  carrier: string | null;
  shipping_address: Json<ShippingAddress | null> | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  paid_at: Timestamp | null;
  shipped_at: Timestamp | null;
  delivered_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  refunded_at: Timestamp | null;
}

/** Every shop webhook event ever accepted, keyed by its id (the idempotency record). */
export interface ShopEventsTable {
  id: string;
  type: string;
  occurred_at: Timestamp;
  received_at: ColumnType<Date, Date | string | undefined, Date | string>;
  payload: Json<unknown>;
  dispatch_claimed_at: Timestamp | null;
  dispatched_at: Timestamp | null;
}

declare module '../../storage/schema.js' {
  interface Database {
    orders: OrdersTable;
    shop_events: ShopEventsTable;
  }
}

export type Order = Selectable<OrdersTable>;
