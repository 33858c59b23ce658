import { sql } from 'kysely';
import type { OutboundMessage } from '../../core/message.js';
import type { Db } from '../../storage/database.js';
import type { OutboxKind } from '../../storage/schema.js';
import { Batcher } from '../../storage/batcher.js';

export interface ClaimedDelivery {
  id: string;
  channel: string;
  recipient: string;
  kind: OutboxKind;
  message: OutboundMessage;
  attempts: number;
  conversation_id: string | null;
  customer_id: string | null;
  /** Owner of the conversation at claim time (null for messages outside a conversation). */
  owner: string | null;
}

export interface NewDelivery {
  dedupeKey: string;
  channel: string;
  recipient: string;
  kind: OutboxKind;
  author?: string;
  message: OutboundMessage;
  conversationId?: string;
  customerId?: string;
  notBefore?: Date;
}

/** How long a claimed row stays leased before another sender may take it over (a crashed sender). */
export const LEASE_MS = 120_000;

/** Storage of the delivery outbox. */
export class OutboxRepository {
  // A round sends to many recipients at once; their owner checks and sent marks each go as one
  // statement instead of one per row (on PGlite these were two thirds of a Telegram reply's queries).
  private readonly owners = new Batcher<string, string | undefined>((ids) => this.ownersOf(ids));
  private readonly sent = new Batcher<{ id: string; platformMessageId: string | null; at: Date }, void>((marks) => this.markAllSent(marks));

  constructor(private readonly db: Db) {}

  /** Queues a message; a second call with the same dedupe key is a no-op (returns false). */
  async enqueue(d: NewDelivery): Promise<boolean> {
    const row = await this.db
      .insertInto('outbox')
      .values({
        dedupe_key: d.dedupeKey, channel: d.channel, recipient: d.recipient, kind: d.kind, author: d.author ?? null,
        message: JSON.stringify(d.message), conversation_id: d.conversationId ?? null, customer_id: d.customerId ?? null,
        last_error: null, inbound_id: null, platform_message_id: null, sent_at: null,
        ...(d.notBefore ? { next_attempt_at: d.notBefore } : {}),
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Leases up to `limit` due rows of the given channels. `FOR UPDATE SKIP LOCKED` lets several
   * senders (instances) share the outbox without taking the same row.
   */
  async claim(channels: string[], limit: number): Promise<ClaimedDelivery[]> {
    if (channels.length === 0) return [];
    const result = await sql<ClaimedDelivery>`
      with due as (
        select id from outbox
        where status = 'pending' and next_attempt_at <= now() and channel in (${sql.join(channels)})
        order by next_attempt_at, id
        limit ${limit}
        for update skip locked
      )
      update outbox o set status = 'sending', attempts = o.attempts + 1,
        next_attempt_at = now() + make_interval(secs => ${LEASE_MS / 1000})
      from due
      where o.id = due.id
      returning o.id, o.channel, o.recipient, o.kind, o.message, o.attempts, o.conversation_id, o.customer_id,
        (select owner from conversations where id = o.conversation_id) as owner`.execute(this.db);
    return result.rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** The conversation's owner now (the sender checks again right before a bot reply goes out). */
  ownerOf(conversationId: string): Promise<string | undefined> {
    return this.owners.call(conversationId);
  }

  private async ownersOf(ids: string[]): Promise<Array<string | undefined>> {
    const rows = await this.db.selectFrom('conversations').select(['id', 'owner']).where('id', 'in', [...new Set(ids)]).execute();
    const owner = new Map(rows.map((r) => [r.id, r.owner]));
    return ids.map((id) => owner.get(id));
  }

  /** Marks the moment a row is handed to the platform (see migration 0013). */
  async markSendStarted(id: string): Promise<void> {
    await this.db.updateTable('outbox').set({ send_started_at: new Date() }).where('id', '=', id).execute();
  }

  /** Resolves once the row is recorded as sent (with the rows marked beside it, in one statement). */
  markSent(id: string, platformMessageId?: string): Promise<void> {
    return this.sent.call({ id, platformMessageId: platformMessageId ?? null, at: new Date() });
  }

  private async markAllSent(marks: Array<{ id: string; platformMessageId: string | null; at: Date }>): Promise<void[]> {
    const rows = JSON.stringify(marks.map((m) => ({ id: m.id, pmid: m.platformMessageId, at: m.at.toISOString() })));
    await sql`
      update outbox o set status = 'sent', sent_at = m.at, platform_message_id = m.pmid, last_error = null
      from jsonb_to_recordset(${rows}::jsonb) as m(id bigint, pmid text, at timestamptz)
      where o.id = m.id`.execute(this.db);
    return marks.map(() => undefined);
  }

  /** Puts a row back in the queue for `at` (a retry, or pacing); `countAttempt` false undoes the claim's count. */
  async reschedule(id: string, at: Date, error: string | null, countAttempt = true): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set((eb) => ({ status: 'pending', next_attempt_at: at, last_error: error, send_started_at: null, ...(countAttempt ? {} : { attempts: eb('attempts', '-', 1) }) }))
      .where('id', '=', id)
      .execute();
  }

  async markFinal(id: string, status: 'failed' | 'suppressed', reason: string): Promise<void> {
    await this.db.updateTable('outbox').set({ status, last_error: reason }).where('id', '=', id).execute();
  }

  /**
   * Rows left `sending` by a sender that died: back to pending once their lease ran out — or at
   * once with `all` (a single embedded instance: no other sender can hold a lease). A row the dead
   * sender had already handed to the platform (send_started_at set) may have arrived: replies and
   * notices are retried (at least once), campaign rows are closed by the campaign module instead.
   */
  async releaseExpiredLeases(all = false): Promise<number> {
    let q = this.db.updateTable('outbox').set({ status: 'pending', send_started_at: null }).where('status', '=', 'sending');
    if (!all) q = q.where('next_attempt_at', '<', new Date());
    q = q.where((eb) => eb.or([eb('kind', '<>', 'campaign'), eb('send_started_at', 'is', null)]));
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0);
  }

  async depth(): Promise<number> {
    const r = await this.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('status', 'in', ['pending', 'sending']).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async markUnreachable(channel: string, recipient: string, reason: string): Promise<void> {
    await this.db
      .updateTable('identities')
      .set({ unreachable_at: new Date(), unreachable_reason: reason })
      .where('channel', '=', channel)
      // The recipient is a chat id: the user's own id on Telegram, a DM channel id on Slack.
      .where((eb) =>
        eb.or([
          eb('external_id', '=', recipient),
          eb('customer_id', 'in', eb.selectFrom('conversations').select('customer_id').where('channel', '=', channel).where('external_id', '=', recipient)),
        ]),
      )
      .execute();
  }
}
