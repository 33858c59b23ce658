import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import { CustomerRepository } from '../customers/customer.repository.js';
import { dispatchRecorded, insertEventRow, type ListenerFailure } from '../orders/order-dispatch.js';
import type { OrderEvent, OrderEventListener, OrderStatus } from '../orders/order-events.js';
import { applyShopOrder } from '../orders/order-sync.js';
import { toEventOrder } from '../orders/order.service.js';
import '../orders/order.types.js';
import type { ShopEvent, ShopProduct } from './shop-webhook.schema.js';

/** Receives catalog rows from `product.upserted` (implemented by the catalog module). Must be idempotent. */
export interface ProductSink {
  upsertProduct(row: ShopProduct): Promise<void>;
}

export type ShopEventResult = { status: 'processed'; eventId: string; type: ShopEvent['type'] } | { status: 'duplicate'; eventId: string };

/** A dispatch claimed this long ago without finishing is taken over by a redelivery (its process died). */
export const DISPATCH_CLAIM_MS = 60_000;
/** The sweeper leaves undispatched events older than this alone. */
const PENDING_DISPATCH_MAX_AGE_MS = 7 * 24 * 3600_000;

/**
 * Applies shop events exactly once per event id: the `shop_events` row is written in the same
 * transaction as the event's effects, so a redelivery — even a concurrent one — changes nothing.
 * Order listeners run after commit; a redelivery finishes a dispatch that failed or was cut short.
 */
export class ShopWebhookService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: {
      productSink?: ProductSink;
      orderListeners?: readonly OrderEventListener[];
      onListenerFailure?: (f: ListenerFailure) => void;
    } = {},
  ) {}

  async handle(event: ShopEvent): Promise<ShopEventResult> {
    if (event.type === 'product.upserted') return this.handleProduct(event);
    const eventStatus = event.type.startsWith('order.') ? (event.type.slice('order.'.length) as OrderStatus) : undefined;
    if (event.type !== 'customer.upserted' && event.data.status && event.data.status !== eventStatus) {
      throw new AppError('validation_failed', `data.status: is ${event.data.status} but the event type is ${event.type}`);
    }
    const now = this.clock.now();
    const outcome = await this.db.transaction().execute(async (trx) => {
      if (!(await recordEvent(trx, event, now, eventStatus !== undefined))) return undefined;
      if (event.type === 'customer.upserted') {
        await new CustomerRepository(trx).upsertFromShop(event.data, now);
        return { dispatch: undefined };
      }
      const data = { ...event.data, status: eventStatus! };
      const synced = await applyShopOrder(trx, data, event.occurredAt, now);
      if (!synced.changed) {
        await trx.updateTable('shop_events').set({ dispatched_at: now }).where('id', '=', event.id).execute();
        return { dispatch: undefined };
      }
      const dispatch: OrderEvent = {
        eventId: event.id, type: event.type as OrderEvent['type'], occurredAt: event.occurredAt,
        order: toEventOrder(synced.order, synced.order.customer_id!),
        ...(synced.previousStatus ? { previousStatus: synced.previousStatus } : {}),
      };
      return { dispatch };
    });
    if (!outcome) {
      await this.resumeDispatch(event.id);
      return { status: 'duplicate', eventId: event.id };
    }
    if (outcome.dispatch) await this.dispatch(outcome.dispatch);
    return { status: 'processed', eventId: event.id, type: event.type };
  }

  /**
   * The catalog lives in another module's storage, so the sink is called before the event is
   * recorded (not inside the transaction); a concurrent duplicate may upsert the same row twice.
   */
  private async handleProduct(event: Extract<ShopEvent, { type: 'product.upserted' }>): Promise<ShopEventResult> {
    const sink = this.deps.productSink;
    if (!sink) throw new AppError('unavailable', 'product.upserted cannot be stored: no product catalog is configured');
    const seen = await this.db.selectFrom('shop_events').select('id').where('id', '=', event.id).executeTakeFirst();
    if (seen) return { status: 'duplicate', eventId: event.id };
    await sink.upsertProduct(event.data);
    const recorded = await recordEvent(this.db, event, this.clock.now(), false);
    return recorded ? { status: 'processed', eventId: event.id, type: event.type } : { status: 'duplicate', eventId: event.id };
  }

  private async dispatch(event: OrderEvent): Promise<void> {
    // On failure the claim is released at once, so the shop's next redelivery (or the sweeper) retries.
    const failures = await dispatchRecorded(this.db, this.deps.orderListeners ?? [], event, this.deps.onListenerFailure ?? (() => {}), this.clock.now());
    if (failures.length === 0) return;
    const names = failures.map((f) => f.listener).join(', ');
    throw new AppError('unavailable', `event ${event.eventId} was recorded but listener ${names} failed; redeliver it to retry`);
  }

  /**
   * The dispatch sweeper (a scheduled job): finishes order-event dispatches that failed or whose
   * process died, oldest first — events Patron caused itself (a customer's cancellation) have no
   * shop to redeliver them, and a shop may give up redelivering. Events over a week old are left
   * alone (a listener failing that long needs a person). Returns how many were finished / failed.
   */
  async resumePending(limit = 100): Promise<{ dispatched: number; failed: number }> {
    const now = this.clock.now();
    const rows = await this.db
      .selectFrom('shop_events')
      .select('id')
      .where('dispatched_at', 'is', null)
      .where('type', 'like', 'order.%')
      .where('received_at', '>', new Date(now.getTime() - PENDING_DISPATCH_MAX_AGE_MS))
      .where((eb) => eb.or([eb('dispatch_claimed_at', 'is', null), eb('dispatch_claimed_at', '<', new Date(now.getTime() - DISPATCH_CLAIM_MS))]))
      .orderBy('received_at')
      .limit(limit)
      .execute();
    const result = { dispatched: 0, failed: 0 };
    for (const { id } of rows) {
      try {
        if (await this.resumeDispatch(id)) result.dispatched++;
      } catch {
        result.failed++; // reported through onListenerFailure; the claim is released for the next sweep
      }
    }
    return result;
  }

  /** On a redelivery: takes over a dispatch that never finished (failed, or its process died). True when this call dispatched it. */
  private async resumeDispatch(eventId: string): Promise<boolean> {
    const now = this.clock.now();
    const claimed = await this.db
      .updateTable('shop_events')
      .set({ dispatch_claimed_at: now })
      .where('id', '=', eventId)
      .where('dispatched_at', 'is', null)
      .where((eb) => eb.or([eb('dispatch_claimed_at', 'is', null), eb('dispatch_claimed_at', '<', new Date(now.getTime() - DISPATCH_CLAIM_MS))]))
      .returning(['type', 'occurred_at', 'payload'])
      .executeTakeFirst();
    if (!claimed || !claimed.type.startsWith('order.')) return false;
    const orderId = (claimed.payload as { data?: { id?: string } }).data?.id;
    const order = orderId ? await this.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst() : undefined;
    if (!order?.customer_id) {
      // Nothing to tell listeners about (the order or its customer is gone): close the row.
      await this.db.updateTable('shop_events').set({ dispatched_at: now }).where('id', '=', eventId).execute();
      return false;
    }
    await this.dispatch({ eventId, type: claimed.type as OrderEvent['type'], occurredAt: claimed.occurred_at, order: toEventOrder(order, order.customer_id) });
    return true;
  }
}

/** Inserts the event's idempotency row; false when the id was seen before. */
function recordEvent(db: Db, event: ShopEvent, now: Date, claimDispatch: boolean): Promise<boolean> {
  return insertEventRow(db, { id: event.id, type: event.type, occurredAt: event.occurredAt, payload: event }, now, claimDispatch);
}

