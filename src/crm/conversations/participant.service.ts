import type { InboundMessage } from '../../core/message.js';
import type { Conversation } from '../../storage/schema.js';
import type { CustomerRepository } from '../customers/customer.repository.js';
import type { ConversationRepository } from './conversation.repository.js';

export interface Participant {
  customer: { id: string; name: string | null; locale: string | null };
  conversation: Conversation;
}

/**
 * Finds (or creates) the customer and conversation behind an inbound message.
 *
 * With `cacheRows` (a single instance: the embedded default) conversation rows are kept in memory
 * and every write goes through `remember`, so a turn costs no reads. With several instances
 * (Redis) only the immutable identity → id mapping is cached and the row is re-read under the
 * conversation lock each turn, because another instance may have changed its owner or state.
 */
export class ParticipantService {
  private readonly customers = new Map<string, Participant['customer']>();
  private readonly conversationIds = new Map<string, string>();
  private readonly rows = new Map<string, Conversation>();

  constructor(
    private readonly customerRepo: CustomerRepository,
    private readonly conversationRepo: ConversationRepository,
    private readonly cacheRows: boolean,
    private readonly maxEntries = 50_000,
  ) {}

  async resolve(message: InboundMessage): Promise<Participant> {
    const key = `${message.channel}\u0000${message.conversation}`;
    const { customer, created } = await this.customerFor(message);
    const cachedId = this.conversationIds.get(key);
    if (cachedId) {
      const row = this.cacheRows ? this.rows.get(cachedId) : await this.conversationRepo.findById(cachedId);
      if (row) return { customer, conversation: row };
    }
    // A customer created just now has no conversation yet: try the insert first.
    const conversation = await this.conversationRepo.ensure(message.channel, message.conversation, customer.id, message.locale, { fresh: created });
    this.bound(this.conversationIds).set(key, conversation.id);
    if (this.cacheRows) this.bound(this.rows).set(conversation.id, conversation);
    return { customer, conversation };
  }

  /** Records the latest version of a conversation row after a write. */
  remember(conversation: Conversation): void {
    if (this.cacheRows) this.rows.set(conversation.id, conversation);
  }

  /** Drops cached data of a customer (after an erase or a merge). */
  forgetCustomer(customerId: string): void {
    for (const [k, c] of this.customers) if (c.id === customerId) this.customers.delete(k);
    const dropped = new Set<string>();
    for (const [id, row] of this.rows) {
      if (row.customer_id !== customerId) continue;
      dropped.add(id);
      this.rows.delete(id);
    }
    // Without row caching we do not know which threads were the customer's: drop the whole (cheap) id map.
    if (!this.cacheRows) return this.conversationIds.clear();
    for (const [k, id] of this.conversationIds) if (dropped.has(id)) this.conversationIds.delete(k);
  }

  /** Forgets an identity that was linked to another customer (and the customer it came from). */
  forgetIdentity(channel: string, externalId: string, previousCustomerId?: string): void {
    this.customers.delete(`${channel}\u0000${externalId}`);
    if (previousCustomerId) this.forgetCustomer(previousCustomerId);
  }

  /** Forces the next turn of a conversation to re-read its row (another component changed it). */
  invalidate(conversationId: string): void {
    this.rows.delete(conversationId);
    for (const [k, id] of this.conversationIds) if (id === conversationId) this.conversationIds.delete(k);
  }

  /** The sender's customer: from memory, else one read, else created (one statement). */
  private async customerFor(message: InboundMessage): Promise<{ customer: Participant['customer']; created: boolean }> {
    const key = `${message.channel}\u0000${message.sender.id}`;
    const hit = this.customers.get(key);
    if (hit) return { customer: hit, created: false };
    const found = await this.customerRepo.findByIdentity(message.channel, message.sender.id);
    const resolved = found
      ? { customer: found, created: false }
      : await this.customerRepo.createForIdentity({
          channel: message.channel, externalId: message.sender.id, displayName: message.sender.name, locale: message.locale, at: message.receivedAt,
        });
    this.bound(this.customers).set(key, resolved.customer);
    return resolved;
  }

  // A crude bound: past the limit the oldest entries go (Map keeps insertion order).
  private bound<V>(map: Map<string, V>): Map<string, V> {
    if (map.size >= this.maxEntries) {
      const drop = Math.ceil(this.maxEntries / 10);
      let i = 0;
      for (const k of map.keys()) {
        if (i++ >= drop) break;
        map.delete(k);
      }
    }
    return map;
  }
}
