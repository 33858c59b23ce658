/**
 * The contract between the shop integration (which records orders) and whoever reacts to them
 * (loyalty points, tier progress, campaign conversions). Listeners must be idempotent by
 * `eventId`: a redelivered or replayed event may reach them again.
 */
export type OrderStatus = 'created' | 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'refunded';

export interface OrderEvent {
  /** The shop event id (unique per event; the idempotency key). */
  eventId: string;
  type: `order.${OrderStatus}`;
  occurredAt: Date;
  order: {
    id: string;
    /** Patron customer id (resolved from the shop's customer id). */
    customerId: string;
    status: OrderStatus;
    total: number;
    currency: string;
    items: Array<{ sku: string; quantity: number; price: number }>;
    createdAt: Date;
  };
  /** The order's status before this event (absent for a new order). Added by the CRM core. */
  previousStatus?: OrderStatus;
}

export interface OrderEventListener {
  readonly name: string;
  onOrderEvent(event: OrderEvent): Promise<void>;
}
