import { sql } from 'kysely';
import { newId } from '../../core/ids.js';
import type { Db } from '../../storage/database.js';
import type { Conversation } from '../../storage/schema.js';
import type { HandoffReason } from './handoff.types.js';
import './handoff.types.js';

export interface HandoffRequestInput {
  conversation: Conversation;
  reason: HandoffReason;
  note?: string;
  /** Higher is served first (tier, sentiment and waiting time are added by the queue later). */
  priority?: number;
  idempotencyKey: string;
}

export interface HandoffResult {
  /** False when the conversation already had an open request (nothing new was queued). */
  queued: boolean;
  requestId: string;
  position: number;
}

/**
 * Hand-off requests: moving a conversation from the bot to the agent queue. From the moment of
 * the request the bot is silent in that thread (owner = queue), in the same transaction.
 */
export class HandoffService {
  constructor(private readonly db: Db, private readonly onRequested?: (r: { requestId: string; conversationId: string; reason: string }) => void) {}

  async request(input: HandoffRequestInput): Promise<HandoffResult> {
    const result = await this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('handoff_requests')
        .select(['id'])
        .where((eb) => eb.or([eb('idempotency_key', '=', input.idempotencyKey), eb.and([eb('conversation_id', '=', input.conversation.id), eb('status', 'in', ['waiting', 'claimed'])])]))
        .executeTakeFirst();
      if (existing) return { queued: false, requestId: existing.id };
      const id = newId();
      await trx
        .insertInto('handoff_requests')
        .values({ id, conversation_id: input.conversation.id, customer_id: input.conversation.customer_id, reason: input.reason, note: input.note ?? null, priority: input.priority ?? 0, idempotency_key: input.idempotencyKey, claimed_by: null })
        .execute();
      await trx.updateTable('conversations').set((eb) => ({ owner: 'queue', version: eb('version', '+', 1) })).where('id', '=', input.conversation.id).where('owner', '=', 'bot').execute();
      return { queued: true, requestId: id };
    });
    if (result.queued) this.onRequested?.({ requestId: result.requestId, conversationId: input.conversation.id, reason: input.reason });
    return { ...result, position: await this.position(result.requestId) };
  }

  /** The request a message asked for (by its idempotency key), while it is still waiting. */
  async waitingByKey(idempotencyKey: string): Promise<{ id: string; reason: string } | undefined> {
    return this.db.selectFrom('handoff_requests').select(['id', 'reason']).where('idempotency_key', '=', idempotencyKey).where('status', '=', 'waiting').executeTakeFirst();
  }

  /** 1-based place in the waiting queue (0 when no longer waiting). */
  async position(requestId: string): Promise<number> {
    const row = await sql<{ n: string | null }>`
      select (select count(*) from handoff_requests w where w.status = 'waiting'
               and (w.priority > r.priority or (w.priority = r.priority and w.requested_at <= r.requested_at))) as n
      from handoff_requests r where r.id = ${requestId} and r.status = 'waiting'`.execute(this.db);
    return Number(row.rows[0]?.n ?? 0);
  }

  /** Open requests, highest priority then longest waiting first. */
  waiting(limit = 50) {
    return this.db.selectFrom('handoff_requests').selectAll().where('status', '=', 'waiting').orderBy('priority', 'desc').orderBy('requested_at', 'asc').limit(limit).execute();
  }
}
