import type { OrderStatus } from './order-events.js';
import type { Order } from './order.types.js';

/** Progress order of the forward path; cancelled and refunded sit outside it. */
const RANK: Record<OrderStatus, number> = { created: 0, paid: 1, shipped: 2, delivered: 3, cancelled: 4, refunded: 5 };

/** Statuses whose totals count as spend (refunded and cancelled orders count nothing). */
export const SPEND_STATUSES: readonly OrderStatus[] = ['paid', 'shipped', 'delivered'];

/** Statuses in which the customer may still cancel or change the address. */
export const CHANGEABLE_STATUSES: readonly OrderStatus[] = ['created', 'paid'];

/**
 * The status an order takes when an event reporting `incoming` arrives while it is `current`.
 * Events can arrive out of order, so the status never moves backwards; cancelled and refunded are
 * reachable from anywhere, but nothing leaves refunded, and a cancelled order can only be refunded.
 */
export function nextStatus(current: OrderStatus | undefined, incoming: OrderStatus): OrderStatus {
  if (current === undefined) return incoming;
  if (current === 'refunded') return current;
  if (current === 'cancelled') return incoming === 'refunded' ? incoming : current;
  if (incoming === 'cancelled' || incoming === 'refunded') return incoming;
  return RANK[incoming] > RANK[current] ? incoming : current;
}

/** The timestamp column an event of this status fills (created has its own `created_at`). */
export function statusTimestampColumn(status: OrderStatus): 'paid_at' | 'shipped_at' | 'delivered_at' | 'cancelled_at' | 'refunded_at' | undefined {
  return status === 'created' ? undefined : (`${status}_at` as const);
}

/** Typical transit days by carrier (lower-case name); anything else gets the default. */
export const CARRIER_DAYS: Readonly<Record<string, number>> = {
  dhl: 3, fedex: 3, ups: 4, usps: 5, 'royal mail': 3, 'sf express': 2, sf: 2, ems: 7, 'china post': 10,
};
export const DEFAULT_TRANSIT_DAYS = 5;
/** Days between payment and hand-over to the carrier. */
export const HANDLING_DAYS = 2;

export interface DeliveryEstimate {
  status: OrderStatus;
  /** When it arrived (delivered) or when it should arrive by (estimate). */
  by: Date;
  delivered: boolean;
}

const DAY_MS = 86_400_000;

/**
 * When the order should arrive: delivered → its delivery time; shipped → shipped + carrier days;
 * created/paid → (paid or created) + handling + carrier days. Cancelled/refunded → undefined.
 */
export function estimateDelivery(order: Pick<Order, 'status' | 'carrier' | 'created_at' | 'paid_at' | 'shipped_at' | 'delivered_at'>): DeliveryEstimate | undefined {
  const transit = CARRIER_DAYS[(order.carrier ?? '').trim().toLowerCase()] ?? DEFAULT_TRANSIT_DAYS;
  switch (order.status) {
    case 'delivered':
      return { status: order.status, by: order.delivered_at ?? order.shipped_at ?? order.created_at, delivered: true };
    case 'shipped': {
      const from = order.shipped_at ?? order.paid_at ?? order.created_at;
      return { status: order.status, by: new Date(from.getTime() + transit * DAY_MS), delivered: false };
    }
    case 'created':
    case 'paid': {
      const from = order.paid_at ?? order.created_at;
      return { status: order.status, by: new Date(from.getTime() + (HANDLING_DAYS + transit) * DAY_MS), delivered: false };
    }
    default:
      return undefined;
  }
}
