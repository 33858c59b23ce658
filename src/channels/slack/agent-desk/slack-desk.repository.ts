import { sql } from 'kysely';
import type { OutboundMessage } from '../../../core/message.js';
import type { Db } from '../../../storage/database.js';
import '../../../crm/staff/staff.types.js';
import type { DeskStaff, MirrorItem, ThreadSummary } from './slack-desk.types.js';
import './slack-desk.types.js';

/** How many items before the hand-off a new thread shows as context. */
export const CONTEXT_ITEMS = 10;
/**
 * How long a claimed item may stay unposted before another pass posts it again. Far above one
 * chat.postMessage (the client gives up after 10 s, no retries), so a live holder is never overtaken.
 */
export const CLAIM_LEASE_MS = 120_000;

export type DeskThread = { conversationId: string; channelId: string; threadTs: string | null; active: boolean; mirrorFrom: Date };

/** Queries of the Slack agent desk: thread mapping, posted items, Slack user ↔ staff links. */
export class SlackDeskRepository {
  constructor(private readonly db: Db) {}

  async thread(conversationId: string): Promise<DeskThread | undefined> {
    const row = await this.db.selectFrom('slack_desk_threads').selectAll().where('conversation_id', '=', conversationId).executeTakeFirst();
    return row && toThread(row);
  }

  async threadByTs(channelId: string, threadTs: string): Promise<DeskThread | undefined> {
    const row = await this.db.selectFrom('slack_desk_threads').selectAll().where('channel_id', '=', channelId).where('thread_ts', '=', threadTs).executeTakeFirst();
    return row && toThread(row);
  }

  /** Reserves the thread row before the parent is posted; false when it already exists. */
  async reserveThread(conversationId: string, channelId: string, mirrorFrom: Date): Promise<boolean> {
    const res = await this.db
      .insertInto('slack_desk_threads')
      .values({ conversation_id: conversationId, channel_id: channelId, thread_ts: null, mirror_from: mirrorFrom })
      .onConflict((oc) => oc.column('conversation_id').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async setThreadTs(conversationId: string, threadTs: string): Promise<void> {
    await this.db.updateTable('slack_desk_threads').set({ thread_ts: threadTs, updated_at: new Date() }).where('conversation_id', '=', conversationId).execute();
  }

  async dropThread(conversationId: string): Promise<void> {
    await this.db.deleteFrom('slack_desk_threads').where('conversation_id', '=', conversationId).where('thread_ts', 'is', null).execute();
  }

  /** Forgets the conversation's thread and what was posted to it, together (the next thread starts afresh). */
  async forgetThread(conversationId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('slack_desk_posts').where('conversation_id', '=', conversationId).execute();
      await trx.deleteFrom('slack_desk_threads').where('conversation_id', '=', conversationId).execute();
    });
  }

  async setActive(conversationId: string, active: boolean, mirrorFrom?: Date): Promise<void> {
    await this.db
      .updateTable('slack_desk_threads')
      .set({ active, updated_at: new Date(), ...(mirrorFrom ? { mirror_from: mirrorFrom } : {}) })
      .where('conversation_id', '=', conversationId)
      .execute();
  }

  /**
   * Claims an item for posting; false when another post (or instance) already has it. A claim
   * older than `leaseMs` that never got its `message_ts` (the holder died between the claim and
   * the post) is taken over. With `messageTs` the item is recorded as already in the thread.
   */
  async claimItem(conversationId: string, key: string, messageTs: string | null = null, leaseMs = CLAIM_LEASE_MS): Promise<boolean> {
    const res = await this.db
      .insertInto('slack_desk_posts')
      .values({ item_key: key, conversation_id: conversationId, message_ts: messageTs, claimed_at: messageTs ? null : sql<Date>`now()` })
      .onConflict((oc) =>
        messageTs
          ? oc.column('item_key').doNothing()
          : oc
              .column('item_key')
              .doUpdateSet({ claimed_at: sql<Date>`now()` })
              .where('slack_desk_posts.message_ts', 'is', null)
              .where(sql<boolean>`slack_desk_posts.claimed_at < now() - ${leaseMs}::double precision * interval '1 millisecond'`),
      )
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Settles a claimed item: posted (with its ts) or skipped for good (without); no lease applies any more. */
  async itemPosted(key: string, messageTs: string | undefined): Promise<void> {
    await this.db.updateTable('slack_desk_posts').set({ message_ts: messageTs ?? null, claimed_at: null }).where('item_key', '=', key).execute();
  }

  async releaseItem(key: string): Promise<void> {
    await this.db.deleteFrom('slack_desk_posts').where('item_key', '=', key).execute();
  }

  /** Up to `limit` conversations a catch-up pass syncs, by id after `after` (a pass walks them in pages). */
  async toCatchUp(after: string | null, limit: number): Promise<string[]> {
    // Besides the active threads, conversations with a person (or waiting for one) and no active
    // thread: handed off while the desk was stopped or before it was set up, or handed off again
    // with the re-opening event missed.
    const rows = await sql<{ id: string }>`
      select id from (
        select conversation_id as id from slack_desk_threads where active
        union
        select c.id from conversations c where c.owner <> 'bot'
          and not exists (select 1 from slack_desk_threads t where t.conversation_id = c.id and t.active)
      ) ids where ${after === null ? sql`true` : sql`id > ${after}`} order by id limit ${limit}`.execute(this.db);
    return rows.rows.map((r) => r.id);
  }

  /**
   * Where a new thread's mirror starts: the time of the CONTEXT_ITEMS-th latest item, so the agent
   * sees what led to the hand-off.
   */
  async contextStart(conversationId: string): Promise<Date> {
    const rows = await sql<{ at: Date }>`
      select at from (
        select created_at as at from inbound_messages where conversation_id = ${conversationId}
        union all select created_at from outbox where conversation_id = ${conversationId} and kind <> 'campaign'
      ) t order by at desc offset ${CONTEXT_ITEMS - 1} limit 1`.execute(this.db);
    return rows.rows[0] ? new Date(rows.rows[0].at) : new Date(0);
  }

  /**
   * Items of the conversation since `from` that are not in the thread yet, oldest first: never
   * claimed, or claimed longer than `leaseMs` ago and still without a `message_ts`.
   */
  async unposted(conversationId: string, from: Date, limit = 50, leaseMs = CLAIM_LEASE_MS): Promise<MirrorItem[]> {
    const rows = await sql<{ key: string; kind: string; author: string | null; text: string | null; message: OutboundMessage | null; at: Date }>`
      select * from (
        select 'in:' || i.id as key, 'customer' as kind, null as author, coalesce(i.text, i.payload) as text, null::jsonb as message, i.created_at as at, 0 as ord, 0::bigint as seq
        from inbound_messages i where i.conversation_id = ${conversationId} and i.created_at >= ${from.toISOString()}::timestamptz
        union all
        select 'out:' || o.dedupe_key, o.kind, o.author, null, o.message, o.created_at, 1, o.id::bigint
        from outbox o where o.conversation_id = ${conversationId} and o.created_at >= ${from.toISOString()}::timestamptz
          and o.kind <> 'campaign' and o.status in ('pending', 'sending', 'sent')
        union all
        select 'note:' || n.id, 'note', n.author_name, n.text, null, n.created_at, 2, n.id::bigint
        from conversation_notes n where n.conversation_id = ${conversationId} and n.created_at >= ${from.toISOString()}::timestamptz
      ) t
      where not exists (
        select 1 from slack_desk_posts p where p.item_key = t.key
          and (p.message_ts is not null or p.claimed_at is null or p.claimed_at >= now() - ${leaseMs}::double precision * interval '1 millisecond'))
      order by at, ord, seq limit ${limit}`.execute(this.db);
    return rows.rows.map((r) => ({
      key: r.key,
      author: r.kind === 'customer' ? 'customer' : r.kind === 'note' ? 'note' : r.kind === 'agent' ? 'agent' : r.kind === 'reply' ? 'bot' : 'system',
      authorName: r.author,
      text: r.text ?? r.message?.text ?? '',
      at: new Date(r.at),
    }));
  }

  /** Customer, channel, owner, open request and loyalty tier of a conversation. */
  async summary(conversationId: string): Promise<ThreadSummary | undefined> {
    const rows = await sql<{ customer_name: string | null; channel: string; owner: ThreadSummary['owner']; agent_name: string | null; reason: string | null; tier: string | null }>`
      select cu.name as customer_name, c.channel, c.owner, su.name as agent_name,
        (select r.reason from handoff_requests r where r.conversation_id = c.id order by r.requested_at desc limit 1) as reason,
        (select lm.tier from loyalty_members lm where lm.customer_id = c.customer_id and lm.status = 'active' limit 1) as tier
      from conversations c
      left join customers cu on cu.id = c.customer_id
      left join staff_users su on su.id::text = c.agent_id
      where c.id = ${conversationId}`.execute(this.db);
    const r = rows.rows[0];
    return r && { conversationId, customerName: r.customer_name, channel: r.channel, owner: r.owner, agentName: r.agent_name, reason: r.reason, tier: r.tier };
  }

  /** The active staff member linked to a Slack user. */
  async linkedStaff(slackUserId: string): Promise<DeskStaff | undefined> {
    return this.db
      .selectFrom('slack_agent_links as l')
      .innerJoin('staff_users as u', 'u.id', 'l.staff_id')
      .select(['u.id', 'u.name', 'u.role'])
      .where('l.slack_user_id', '=', slackUserId)
      .where('u.disabled_at', 'is', null)
      .executeTakeFirst();
  }

  async staffByEmail(email: string): Promise<DeskStaff | undefined> {
    return this.db
      .selectFrom('staff_users')
      .select(['id', 'name', 'role'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
  }

  async link(slackUserId: string, staffId: string): Promise<void> {
    await this.db.insertInto('slack_agent_links').values({ slack_user_id: slackUserId, staff_id: staffId }).onConflict((oc) => oc.column('slack_user_id').doNothing()).execute();
  }
}

function toThread(row: { conversation_id: string; channel_id: string; thread_ts: string | null; active: boolean; mirror_from: Date }): DeskThread {
  return { conversationId: row.conversation_id, channelId: row.channel_id, threadTs: row.thread_ts, active: row.active, mirrorFrom: new Date(row.mirror_from) };
}
