import type { Db } from '../../storage/database.js';
import type { OrderEvent, OrderEventListener } from './order-events.js';
import './order.types.js';

export interface ListenerFailure {
  listener: string;
  eventId: string;
  error: unknown;
}

/**
 * Calls every listener with the event, one after another. A failing listener does not stop the
 * others; the failures are reported to `onFailure` and returned.
 */
export async function dispatchOrderEvent(
  listeners: readonly OrderEventListener[],
  event: OrderEvent,
  onFailure: (f: ListenerFailure) => void,
): Promise<ListenerFailure[]> {
  const failures: ListenerFailure[] = [];
  for (const listener of listeners) {
    try {
      await listener.onOrderEvent(event);
    } catch (error) {
      const failure = { listener: listener.name, eventId: event.eventId, error };
      failures.push(failure);
      onFailure(failure);
    }
  }
  return failures;
}

/**
 * Dispatches an event whose `shop_events` row was written (claimed) in the transaction that applied
 * it, once that transaction has committed, and notes the outcome on the row: dispatched, or the
 * claim released so that a redelivery or the dispatch sweeper (`ShopWebhookService.resumePending`)
 * runs the listeners again (they are idempotent by event id).
 */
export async function dispatchRecorded(
  db: Db,
  listeners: readonly OrderEventListener[],
  event: OrderEvent,
  onFailure: (f: ListenerFailure) => void,
  now: Date,
): Promise<ListenerFailure[]> {
  const failures = await dispatchOrderEvent(listeners, event, onFailure);
  const update = failures.length === 0 ? { dispatched_at: now } : { dispatch_claimed_at: null };
  await db.updateTable('shop_events').set(update).where('id', '=', event.eventId).execute();
  return failures;
}

/**
 * Inserts an event's idempotency row, claimed for dispatch (`claimDispatch`) or marked as needing
 * none; false when the id was seen before. The payload must carry the order as `data.id`.
 */
export async function insertEventRow(
  db: Db, event: { id: string; type: string; occurredAt: Date; payload: unknown }, now: Date, claimDispatch: boolean,
): Promise<boolean> {
  const row = await db
    .insertInto('shop_events')
    .values({
      id: event.id, type: event.type, occurred_at: event.occurredAt, received_at: now, payload: JSON.stringify(event.payload),
      dispatch_claimed_at: claimDispatch ? now : null, dispatched_at: claimDispatch ? null : now,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** The `shop_events` row for an order event Patron itself caused (no shop will redeliver it), claimed for dispatch. */
export async function recordOwnOrderEvent(db: Db, event: OrderEvent, now: Date): Promise<void> {
  const { eventId: id, type, occurredAt } = event;
  await insertEventRow(db, { id, type, occurredAt, payload: { id, type, occurredAt, source: 'patron', data: { id: event.order.id } } }, now, true);
}
