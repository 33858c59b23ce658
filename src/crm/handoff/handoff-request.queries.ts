import type { Db } from '../../storage/database.js';
import { newId } from '../../core/ids.js';
import './handoff.types.js';

/**
 * Writes to `handoff_requests` that go with an ownership change; each runs inside the caller's
 * transaction so the request row and the conversation owner never disagree.
 */

/** Marks the open request claimed by `agentId`, or opens one (`reason`, e.g. agent_pick) when there is none. */
export async function claimRequest(trx: Db, c: { conversationId: string; customerId: string; agentId: string; at: Date; reason: string; version: number }): Promise<string> {
  const updated = await trx
    .updateTable('handoff_requests')
    .set({ status: 'claimed', claimed_by: c.agentId, claimed_at: c.at })
    .where('conversation_id', '=', c.conversationId)
    .where('status', 'in', ['waiting', 'claimed'])
    .returning(['id', 'reason'])
    .executeTakeFirst();
  if (updated) return updated.reason;
  await trx
    .insertInto('handoff_requests')
    .values({
      id: newId(), conversation_id: c.conversationId, customer_id: c.customerId, reason: c.reason, note: null, status: 'claimed',
      idempotency_key: `${c.reason}:${c.conversationId}:${c.version}`, requested_at: c.at, claimed_by: c.agentId, claimed_at: c.at,
    })
    .execute();
  return c.reason;
}

/**
 * Puts the claimed request back in the queue; it keeps its request time, so its waiting time
 * counts on. A thread an agent picked from the bot gets a fresh waiting request instead.
 */
export async function requeueRequest(trx: Db, c: { conversationId: string; customerId: string; at: Date; version: number }): Promise<void> {
  const updated = await trx
    .updateTable('handoff_requests')
    .set({ status: 'waiting', claimed_by: null, claimed_at: null })
    .where('conversation_id', '=', c.conversationId)
    .where('status', 'in', ['claimed', 'waiting'])
    .returning('id')
    .executeTakeFirst();
  if (updated) return;
  await trx
    .insertInto('handoff_requests')
    .values({ id: newId(), conversation_id: c.conversationId, customer_id: c.customerId, reason: 'released', note: null, idempotency_key: `released:${c.conversationId}:${c.version}`, requested_at: c.at, claimed_by: null })
    .execute();
}

/** Closes the open request of a conversation (hand-back, resolve, idle timeout). */
export async function closeRequests(trx: Db, conversationId: string, at: Date): Promise<void> {
  await trx
    .updateTable('handoff_requests')
    .set({ status: 'resolved', closed_at: at })
    .where('conversation_id', '=', conversationId)
    .where('status', 'in', ['waiting', 'claimed'])
    .execute();
}

/**
 * Bot replies of this thread that are still waiting in the outbox: once a person holds the thread
 * they must never go out (the sender checks the owner too; this also covers rows it leases later).
 */
export async function suppressPendingReplies(trx: Db, conversationId: string, why: string): Promise<number> {
  const r = await trx
    .updateTable('outbox')
    .set({ status: 'suppressed', last_error: why })
    .where('conversation_id', '=', conversationId)
    .where('kind', '=', 'reply')
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows ?? 0);
}
