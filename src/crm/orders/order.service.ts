import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import { dispatchRecorded, recordOwnOrderEvent, type ListenerFailure } from './order-dispatch.js';
import type { OrderEvent, OrderEventListener, OrderStatus } from './order-events.js';
import { OrderRepository } from './order.repository.js';
import { CHANGEABLE_STATUSES, estimateDelivery, type DeliveryEstimate } from './order-rules.js';
import type { Order, ShippingAddress } from './order.types.js';

export const shippingAddressSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    line1: z.string().trim().min(1).max(200),
    line2: z.string().trim().max(200).optional(),
    city: z.string().trim().min(1).max(100),
    region: z.string().trim().max(100).optional(),
    postalCode: z.string().trim().min(1).max(20),
    country: z.string().trim().min(2).max(56),
  })
  .strict();

/**
 * Order rules for conversations and the admin API. Every lookup is scoped to a customer: an order
 * of someone else is reported exactly like one that does not exist.
 */
export class OrderService {
  private readonly repo: OrderRepository;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly listeners: readonly OrderEventListener[] = [],
    private readonly onListenerFailure: (f: ListenerFailure) => void = () => {},
  ) {
    this.repo = new OrderRepository(db);
  }

  /** The order when it belongs to `customerId`; otherwise undefined (existence is never revealed). */
  findForCustomer(customerId: string, orderId: string): Promise<Order | undefined> {
    return this.repo.findForCustomer(customerId, normaliseOrderId(orderId));
  }

  recentForCustomer(customerId: string, limit = 5): Promise<Order[]> {
    return this.repo.recentForCustomer(customerId, Math.min(Math.max(limit, 1), 50));
  }

  /** When the order should arrive (or did), or undefined for cancelled/refunded orders. */
  estimateDelivery(order: Order): DeliveryEstimate | undefined {
    return estimateDelivery(order);
  }

  /**
   * Cancels the customer's order while it is still created or paid; 404 when it is not theirs,
   * 409 naming the status otherwise. Listeners hear an `order.cancelled` event (id `patron-cancel:<order>`).
   */
  async cancel(customerId: string, orderId: string): Promise<Order> {
    const at = this.clock.now();
    // The event is recorded with the change, so a crash before the listeners ran (loyalty takes the
    // order's points back) leaves it for the dispatch sweeper instead of losing it.
    const { order, event } = await this.db.transaction().execute(async (trx) => {
      const repo = new OrderRepository(trx);
      const current = await this.changeable(repo, customerId, orderId, 'cancelled');
      await repo.change(current.id, { status: 'cancelled', stamp: { column: 'cancelled_at', at }, at });
      await repo.recomputeCustomerTotals(customerId);
      const order = (await repo.findById(current.id))!;
      const event: OrderEvent = { eventId: `patron-cancel:${order.id}`, type: 'order.cancelled', occurredAt: at, order: toEventOrder(order, customerId), previousStatus: current.status };
      await recordOwnOrderEvent(trx, event, at);
      return { order, event };
    });
    // A failed listener is reported (onListenerFailure) and retried by the sweeper; the customer's cancellation stands.
    await dispatchRecorded(this.db, this.listeners, event, this.onListenerFailure, this.clock.now());
    return order;
  }

  /** Replaces the shipping address while the order has not shipped (created or paid). */
  async changeAddress(customerId: string, orderId: string, address: ShippingAddress): Promise<Order> {
    const parsed = shippingAddressSchema.safeParse(address);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError('validation_failed', `address.${issue.path.join('.')}: ${issue.message}`);
    }
    return this.db.transaction().execute(async (trx) => {
      const repo = new OrderRepository(trx);
      const current = await this.changeable(repo, customerId, orderId, 'address');
      await repo.setShippingAddress(current.id, parsed.data as ShippingAddress, this.clock.now());
      return (await repo.findById(current.id))!;
    });
  }

  private async changeable(repo: OrderRepository, customerId: string, orderId: string, what: 'cancelled' | 'address'): Promise<Order> {
    const id = normaliseOrderId(orderId);
    const order = await repo.findForCustomer(customerId, id, true);
    if (!order) throw new AppError('not_found', `order ${id} not found for customer ${customerId}`);
    if (!CHANGEABLE_STATUSES.includes(order.status)) {
      const action = what === 'cancelled' ? 'cancelled' : 'given a new address';
      throw new AppError('conflict', `order ${id} is already ${order.status} and can no longer be ${action}`, { status: order.status });
    }
    return order;
  }
}

/** The `order` part of an OrderEvent from a stored order. */
export function toEventOrder(order: Order, customerId: string) {
  return {
    id: order.id, customerId, status: order.status as OrderStatus, total: Number(order.total), currency: order.currency,
    items: order.items, createdAt: order.created_at,
  };
}

/** Order ids are matched as the shop writes them, minus surrounding spaces and a leading '#'. */
function normaliseOrderId(id: string): string {
  return id.trim().replace(/^#/, '');
}
