import { newId } from '../../core/ids.js';
import type { Db } from '../../storage/database.js';
import type { Conversation, ConversationOwner } from '../../storage/schema.js';

/** Conversations (one per channel thread) with their owner and flow state. */
export class ConversationRepository {
  constructor(private readonly db: Db) {}

  findById(id: string): Promise<Conversation | undefined> {
    return this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByExternal(channel: string, externalId: string): Promise<Conversation | undefined> {
    return this.db
      .selectFrom('conversations')
      .selectAll()
      .where('channel', '=', channel)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
  }

  /**
   * Finds or creates the conversation for a channel thread (race-safe via the unique key). `fresh`
   * (the thread is most likely new, e.g. its customer was created just now) tries the insert first:
   * one statement instead of two.
   */
  async ensure(channel: string, externalId: string, customerId: string, locale?: string, options: { fresh?: boolean } = {}): Promise<Conversation> {
    if (!options.fresh) {
      const existing = await this.findByExternal(channel, externalId);
      if (existing) return existing;
    }
    const created = await this.db
      .insertInto('conversations')
      .values({ id: newId(), customer_id: customerId, channel, external_id: externalId, agent_id: null, locale: locale ?? null, state: '{}', last_message_at: null })
      .onConflict((oc) => oc.columns(['channel', 'external_id']).doNothing())
      .returningAll()
      .executeTakeFirst();
    return created ?? (await this.findByExternal(channel, externalId))!;
  }

  /**
   * Changes the owner only when the current owner is one of `from`; returns the updated row, or
   * undefined when someone else changed it first (the caller answers 409).
   */
  async transferOwner(id: string, from: ConversationOwner[], to: ConversationOwner, agentId: string | null): Promise<Conversation | undefined> {
    return this.db
      .updateTable('conversations')
      .set((eb) => ({ owner: to, agent_id: agentId, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('owner', 'in', from)
      .returningAll()
      .executeTakeFirst();
  }
}
