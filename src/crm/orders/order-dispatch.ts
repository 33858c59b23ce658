import type { OrderEvent, OrderEventListener } from './order-events.js';

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
