import { sql } from 'kysely';
import type { OutboundMessage } from '../../core/message.js';
import type { Db } from '../../storage/database.js';
import type { Conversation, ConversationOwner } from '../../storage/schema.js';
import './handoff.types.js';

/** Weights of the queue score; the score itself is computed in SQL when the queue is read. */
export interface QueueWeights {
  /** Per loyalty tier id (e.g. {bronze: 5, silver: 15, gold: 30}); non-members score 0. */
  tiers: Record<string, number>;
  /** Per hand-off reason (anger > repeated_fallback > customer_request). */
  reasons: Record<string, number>;
  /** Points per minute waited, capped at `maxWait`. */
  perMinute: number;
  maxWait: number;
  /** An open ticket of the customer past its SLA due time, due within an hour, within four hours. */
  sla: { overdue: number; withinHour: number; withinFourHours: number };
}

export const DEFAULT_QUEUE_WEIGHTS: QueueWeights = {
  tiers: { bronze: 5, silver: 15, gold: 30, platinum: 40 },
  reasons: { anger: 40, repeated_fallback: 25, no_product_match: 15, customer_request: 10, agent_pick: 0 },
  perMinute: 1,
  maxWait: 60,
  sla: { overdue: 40, withinHour: 25, withinFourHours: 10 },
};

export interface QueueEntry {
  requestId: string;
  conversationId: string;
  customerId: string;
  customerName: string | null;
  channel: string;
  locale: string | null;
  reason: string;
  note: string | null;
  tier: string | null;
  requestedAt: Date;
  slaDueAt: Date | null;
  waitingMinutes: number;
  score: number;
  scoreParts: { reason: number; tier: number; wait: number; sla: number };
}

export interface ConversationSummary {
  id: string;
  customerId: string;
  customerName: string | null;
  channel: string;
  owner: ConversationOwner;
  agentId: string | null;
  agentName: string | null;
  locale: string | null;
  lastMessageAt: Date | null;
  request: { reason: string; status: string; requestedAt: Date } | null;
}

export interface CustomerTranscriptEntry {
  direction: 'in' | 'out';
  author: 'customer' | 'bot' | 'agent' | 'system' | 'campaign';
  authorName: string | null;
  channel: string;
  conversationId: string;
  text: string;
  quickReplies?: OutboundMessage['quickReplies'];
  buttons?: OutboundMessage['buttons'];
  at: string;
}

/** The owner condition of a conditional ownership change. */
export interface OwnerChange {
  from: ConversationOwner[];
  to: ConversationOwner;
  agentId: string | null;
  /** When the thread is agent-owned, only if this agent holds it (release, hand-back by a non-admin). */
  heldBy?: string;
  /** Only when neither side wrote since this time (idle hand-back). */
  idleBefore?: Date;
}

/** Queries of the agent workspace: queue, lists, customer card, transcript, notes, ownership. */
export class HandoffQueueRepository {
  constructor(private readonly db: Db) {}

  /** Waiting requests, highest score first; the score is computed here, at read time. */
  async queue(now: Date, weights: QueueWeights, limit: number): Promise<QueueEntry[]> {
    const at = now.toISOString();
    const rows = await sql<Record<string, unknown>>`
      select q.*, q.reason_score + q.tier_score + q.wait_score + q.sla_score as score from (
        select r.id as request_id, r.conversation_id, r.customer_id, cu.name as customer_name, c.channel, c.locale,
          r.reason, r.note, lm.tier, r.requested_at, t.due_at as sla_due_at,
          greatest(0, extract(epoch from (${at}::timestamptz - r.requested_at)) / 60)::float8 as waiting_minutes,
          coalesce((${JSON.stringify(weights.reasons)}::jsonb ->> r.reason)::int, 0) as reason_score,
          coalesce((${JSON.stringify(weights.tiers)}::jsonb ->> lm.tier)::int, 0) as tier_score,
          least(${weights.maxWait}::int, greatest(0, floor(${weights.perMinute}::float8 * extract(epoch from (${at}::timestamptz - r.requested_at)) / 60)))::int as wait_score,
          (case when t.due_at is null then 0
                when t.due_at <= ${at}::timestamptz then ${weights.sla.overdue}::int
                when t.due_at <= ${at}::timestamptz + interval '1 hour' then ${weights.sla.withinHour}::int
                when t.due_at <= ${at}::timestamptz + interval '4 hours' then ${weights.sla.withinFourHours}::int
                else 0 end) as sla_score
        from handoff_requests r
        join conversations c on c.id = r.conversation_id
        left join customers cu on cu.id = r.customer_id
        left join loyalty_members lm on lm.customer_id = r.customer_id and lm.status = 'active'
        left join lateral (
          select min(case when k.first_response_at is null then least(k.first_response_due_at, k.resolution_due_at) else k.resolution_due_at end) as due_at
          from tickets k where k.customer_id = r.customer_id and k.status in ('open', 'pending')
        ) t on true
        where r.status = 'waiting' and c.owner = 'queue'
      ) q
      order by score desc, q.requested_at asc, q.request_id
      limit ${limit}`.execute(this.db);
    return rows.rows.map(toQueueEntry);
  }

  /** Conversations newest first, keyset-paginated on (last activity, id). */
  async list(filter: { owner?: ConversationOwner; limit: number; after?: { at: string; id: string } }): Promise<{ items: ConversationSummary[]; next?: { at: string; id: string } }> {
    const rows = await sql<Record<string, unknown>>`
      select c.id, c.customer_id, cu.name as customer_name, c.channel, c.owner, c.agent_id, su.name as agent_name, c.locale,
        c.last_message_at, coalesce(c.last_message_at, c.created_at) as sort_at,
        r.reason as request_reason, r.status as request_status, r.requested_at as request_at
      from conversations c
      left join customers cu on cu.id = c.customer_id
      left join staff_users su on su.id::text = c.agent_id
      left join handoff_requests r on r.conversation_id = c.id and r.status in ('waiting', 'claimed')
      where (${filter.owner ?? null}::text is null or c.owner = ${filter.owner ?? null}::text)
        and (${filter.after?.at ?? null}::timestamptz is null
             or (coalesce(c.last_message_at, c.created_at), c.id) < (${filter.after?.at ?? null}::timestamptz, ${filter.after?.id ?? null}::uuid))
      order by sort_at desc, c.id desc
      limit ${filter.limit + 1}`.execute(this.db);
    const page = rows.rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    const next = rows.rows.length > filter.limit && last ? { at: new Date(last.sort_at as Date).toISOString(), id: String(last.id) } : undefined;
    return { items: page.map(toSummary), next };
  }

  async summary(conversationId: string): Promise<ConversationSummary | undefined> {
    const rows = await sql<Record<string, unknown>>`
      select c.id, c.customer_id, cu.name as customer_name, c.channel, c.owner, c.agent_id, su.name as agent_name, c.locale, c.last_message_at,
        r.reason as request_reason, r.status as request_status, r.requested_at as request_at
      from conversations c
      left join customers cu on cu.id = c.customer_id
      left join staff_users su on su.id::text = c.agent_id
      left join handoff_requests r on r.conversation_id = c.id and r.status in ('waiting', 'claimed')
      where c.id = ${conversationId}::uuid`.execute(this.db);
    return rows.rows[0] ? toSummary(rows.rows[0]) : undefined;
  }

  /** A conversation with its customer's locale (for notices), or undefined. */
  findWithLocale(conversationId: string) {
    return this.db
      .selectFrom('conversations as c')
      .innerJoin('customers as cu', 'cu.id', 'c.customer_id')
      .selectAll('c')
      .select(['cu.locale as customer_locale', 'cu.name as customer_name'])
      .where('c.id', '=', conversationId)
      .executeTakeFirst();
  }

  /** What an agent sees beside the thread: profile, tier, points, recent orders, open tickets, consent. */
  async customerCard(customerId: string) {
    const [profile, identities, member, points, orders, tickets, consent] = await Promise.all([
      this.db.selectFrom('customers').select(['id', 'name', 'email', 'phone', 'locale', 'timezone', 'tags', 'lifetime_spend', 'order_count', 'last_order_at', 'erased_at']).where('id', '=', customerId).executeTakeFirst(),
      this.db.selectFrom('identities').select(['channel', 'display_name', 'verified', 'unreachable_at']).where('customer_id', '=', customerId).orderBy('created_at').execute(),
      this.db.selectFrom('loyalty_members').select(['tier', 'status', 'tier_since', 'joined_at']).where('customer_id', '=', customerId).executeTakeFirst(),
      this.db.selectFrom('points_ledger').select(sql<number>`coalesce(sum(delta), 0)::int`.as('balance')).where('customer_id', '=', customerId).executeTakeFirst(),
      this.db.selectFrom('orders').select(['id', 'status', 'total', 'currency', 'created_at', 'tracking_number', 'carrier']).where('customer_id', '=', customerId).orderBy('created_at', 'desc').limit(5).execute(),
      this.db.selectFrom('tickets').select(['id', 'number', 'subject', 'status', 'priority', 'category', 'first_response_due_at', 'resolution_due_at', 'breached_at']).where('customer_id', '=', customerId).where('status', 'in', ['open', 'pending']).orderBy('created_at', 'desc').execute(),
      this.db.selectFrom('consents').distinctOn(['channel', 'purpose']).select(['channel', 'purpose', 'granted', 'source', 'created_at']).where('customer_id', '=', customerId).orderBy('channel').orderBy('purpose').orderBy('created_at', 'desc').orderBy('id', 'desc').execute(),
    ]);
    if (!profile) return undefined;
    return {
      ...profile, lifetime_spend: Number(profile.lifetime_spend), identities,
      loyalty: member ? { ...member, pointsBalance: Number(points?.balance ?? 0) } : null,
      pointsBalance: Number(points?.balance ?? 0),
      recentOrders: orders.map((o) => ({ ...o, total: Number(o.total) })),
      openTickets: tickets,
      consent: consent.map((c) => ({ channel: c.channel, purpose: c.purpose, granted: c.granted, source: c.source, at: c.created_at })),
    };
  }

  /** What the customer sent and was sent, across all their channels, oldest first. */
  async transcript(customerId: string, limit: number): Promise<CustomerTranscriptEntry[]> {
    const rows = await sql<{ direction: 'in' | 'out'; kind: string | null; author: string | null; channel: string; conversation_id: string; text: string | null; payload: string | null; message: OutboundMessage | null; at: Date }>`
      select * from (
        select 'in' as direction, null as kind, null as author, i.channel, i.conversation_id, i.text, i.payload, null::jsonb as message, i.received_at as at, 0::bigint as seq
        from inbound_messages i where i.customer_id = ${customerId}::uuid
        union all
        select 'out', o.kind, o.author, o.channel, o.conversation_id, null, null, o.message, o.created_at, o.id
        from outbox o where o.customer_id = ${customerId}::uuid and o.conversation_id is not null and o.status in ('sent', 'pending', 'sending')
      ) t order by at desc, direction desc, seq desc limit ${limit}`.execute(this.db);
    return rows.rows.reverse().map((r) => {
      const at = new Date(r.at).toISOString();
      const base = { channel: r.channel, conversationId: r.conversation_id, at };
      if (r.direction === 'in') return { direction: 'in', author: 'customer', authorName: null, text: r.text ?? r.payload ?? '', ...base };
      const m = r.message ?? { text: '' };
      const author = r.kind === 'reply' ? 'bot' : ((r.kind ?? 'system') as CustomerTranscriptEntry['author']);
      return {
        direction: 'out', author, authorName: r.kind === 'agent' ? r.author : null, text: m.text, ...base,
        ...(m.quickReplies ? { quickReplies: m.quickReplies } : {}), ...(m.buttons ? { buttons: m.buttons } : {}),
      };
    });
  }

  notes(conversationId: string) {
    return this.db.selectFrom('conversation_notes').select(['id', 'author_id', 'author_name', 'text', 'created_at']).where('conversation_id', '=', conversationId).orderBy('id').execute();
  }

  addNote(n: { conversationId: string; customerId: string; authorId: string; authorName: string; text: string; at: Date }) {
    return this.db
      .insertInto('conversation_notes')
      .values({ conversation_id: n.conversationId, customer_id: n.customerId, author_id: n.authorId, author_name: n.authorName, text: n.text, created_at: n.at })
      .returning(['id', 'author_id', 'author_name', 'text', 'created_at'])
      .executeTakeFirstOrThrow();
  }

  /** Agent-owned threads where neither the agent nor the customer wrote since `before`. */
  async idleAgentThreads(before: Date, limit = 200): Promise<Array<{ id: string; agent_id: string | null }>> {
    const rows = await sql<{ id: string; agent_id: string | null }>`
      select c.id, c.agent_id from conversations c
      where c.owner = 'agent' and ${idlePredicate(before)}
      order by c.last_message_at nulls first limit ${limit}`.execute(this.db);
    return rows.rows;
  }

  /** A staff member who may own threads (agent or admin, not disabled). */
  findAgent(id: string) {
    return this.db.selectFrom('staff_users').select(['id', 'name', 'role']).where('id', '=', id).where('role', 'in', ['agent', 'admin']).where('disabled_at', 'is', null).executeTakeFirst();
  }
}

/**
 * Conditional owner change (compare-and-set on owner, optionally on the holding agent and on
 * idleness); undefined when the thread is not in the expected state any more.
 */
export async function changeOwner(trx: Db, conversationId: string, change: OwnerChange): Promise<Conversation | undefined> {
  const result = await sql<Conversation>`
    update conversations c set owner = ${change.to}, agent_id = ${change.agentId}, version = c.version + 1
    where c.id = ${conversationId}::uuid and c.owner in (${sql.join(change.from)})
      and (${change.heldBy ?? null}::text is null or c.owner <> 'agent' or c.agent_id = ${change.heldBy ?? null}::text)
      and ${change.idleBefore ? idlePredicate(change.idleBefore) : sql`true`}
    returning c.*`.execute(trx);
  return result.rows[0];
}

// "Idle": no customer message, no agent message and no take-over since `before`.
function idlePredicate(before: Date) {
  const at = before.toISOString();
  return sql`greatest(
      coalesce(c.last_message_at, '-infinity'::timestamptz),
      coalesce((select max(r.claimed_at) from handoff_requests r where r.conversation_id = c.id and r.status = 'claimed'), '-infinity'::timestamptz),
      coalesce((select max(o.created_at) from outbox o where o.conversation_id = c.id and o.kind = 'agent'), '-infinity'::timestamptz)
    ) < ${at}::timestamptz`;
}

function toQueueEntry(r: Record<string, unknown>): QueueEntry {
  return {
    requestId: String(r.request_id), conversationId: String(r.conversation_id), customerId: String(r.customer_id),
    customerName: (r.customer_name as string | null) ?? null, channel: String(r.channel), locale: (r.locale as string | null) ?? null,
    reason: String(r.reason), note: (r.note as string | null) ?? null, tier: (r.tier as string | null) ?? null,
    requestedAt: new Date(r.requested_at as Date), slaDueAt: r.sla_due_at ? new Date(r.sla_due_at as Date) : null,
    waitingMinutes: Math.round(Number(r.waiting_minutes) * 10) / 10, score: Number(r.score),
    scoreParts: { reason: Number(r.reason_score), tier: Number(r.tier_score), wait: Number(r.wait_score), sla: Number(r.sla_score) },
  };
}

function toSummary(r: Record<string, unknown>): ConversationSummary {
  return {
    id: String(r.id), customerId: String(r.customer_id), customerName: (r.customer_name as string | null) ?? null, channel: String(r.channel),
    owner: r.owner as ConversationOwner, agentId: (r.agent_id as string | null) ?? null, agentName: (r.agent_name as string | null) ?? null,
    locale: (r.locale as string | null) ?? null, lastMessageAt: r.last_message_at ? new Date(r.last_message_at as Date) : null,
    request: r.request_reason ? { reason: String(r.request_reason), status: String(r.request_status), requestedAt: new Date(r.request_at as Date) } : null,
  };
}
