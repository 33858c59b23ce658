import { sql } from 'kysely';
import type { OutboundMessage } from '../../core/message.js';
import type { Db } from '../../storage/database.js';
import type { OutboxKind } from '../../storage/schema.js';

/** Everything one turn writes, committed together so a turn is all-or-nothing. */
export interface TurnRecord {
  inbound: {
    id: string;
    channel: string;
    externalId: string;
    conversationId: string;
    customerId: string;
    text: string | null;
    payload: string | null;
    locale: string;
    intent: string | null;
    confidence: number | null;
    flow: string | null;
    receivedAt: Date;
  };
  replies: Array<{ message: OutboundMessage; kind: OutboxKind; delivered: boolean }>;
  recipient: string;
  /** New flow state for the conversation; undefined leaves it untouched. */
  state?: Record<string, unknown>;
}

export interface TurnCommit {
  /** False when the inbound message was already recorded: a duplicate delivery, nothing written. */
  accepted: boolean;
  /** Reply rows written (bot replies to a thread the bot no longer owns are not written). */
  outbox: Array<{ id: string; message: OutboundMessage; status: string }>;
}

interface Pending {
  record: TurnRecord;
  resolve: (c: TurnCommit) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for turns: records queued while a transaction runs are written together in the
 * next one (a handful of statements for any number of turns). Under light load each turn commits
 * alone with no added delay; under heavy load this is what keeps PGlite's per-query cost off the
 * per-turn path.
 */
export class TurnLogRepository {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly db: Db, private readonly maxBatch = 256) {}

  commit(record: TurnRecord): Promise<TurnCommit> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  /** Resolves when everything queued so far is written. */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    // Let the current tick's turns join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          const results = await this.writeBatch(batch.map((p) => p.record));
          batch.forEach((p, i) => p.resolve(results[i]));
        } catch (err) {
          batch.forEach((p) => p.reject(err));
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private writeBatch(records: TurnRecord[]): Promise<TurnCommit[]> {
    return this.db.transaction().execute(async (trx) => {
      const accepted = await insertInbound(trx, records);
      const kept = records.filter((r) => accepted.has(r.inbound.id));
      const outbox = await insertReplies(trx, kept);
      await updateConversations(trx, kept);
      await touchCustomers(trx, kept);
      return records.map((r) => ({
        accepted: accepted.has(r.inbound.id),
        outbox: outbox.get(r.inbound.id) ?? [],
      }));
    });
  }
}

async function insertInbound(trx: Db, records: TurnRecord[]): Promise<Set<string>> {
  const rows = records.map((r) => ({
    id: r.inbound.id, channel: r.inbound.channel, external_id: r.inbound.externalId,
    conversation_id: r.inbound.conversationId, customer_id: r.inbound.customerId, text: r.inbound.text,
    payload: r.inbound.payload, locale: r.inbound.locale, intent: r.inbound.intent,
    confidence: r.inbound.confidence, flow: r.inbound.flow, received_at: r.inbound.receivedAt.toISOString(),
  }));
  const result = await sql<{ id: string }>`
    insert into inbound_messages (id, channel, external_id, conversation_id, customer_id, text, payload, locale, intent, confidence, flow, received_at)
    select id, channel, external_id, conversation_id, customer_id, text, payload, locale, intent, confidence, flow, received_at
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, channel text, external_id text, conversation_id uuid,
      customer_id uuid, text text, payload text, locale text, intent text, confidence real, flow text, received_at timestamptz)
    on conflict (channel, external_id) do nothing
    returning id`.execute(trx);
  return new Set(result.rows.map((r) => r.id));
}

async function insertReplies(trx: Db, records: TurnRecord[]) {
  const rows = records.flatMap((r) =>
    r.replies.map((reply, i) => ({
      dedupe_key: `turn:${r.inbound.id}:${i}`, conversation_id: r.inbound.conversationId, customer_id: r.inbound.customerId,
      channel: r.inbound.channel, recipient: r.recipient, kind: reply.kind, message: reply.message,
      status: reply.delivered ? 'sent' : 'pending', inbound_id: r.inbound.id, seq: i,
    })),
  );
  const byInbound = new Map<string, Array<{ id: string; message: OutboundMessage; status: string }>>();
  if (rows.length === 0) return byInbound;
  // A bot reply is written only while the bot still owns the thread: an agent who took over
  // between the customer's message and this commit never has the bot talk over them.
  const result = await sql<{ id: string; inbound_id: string; message: OutboundMessage; status: string }>`
    insert into outbox (dedupe_key, conversation_id, customer_id, channel, recipient, kind, author, message, status, inbound_id, sent_at)
    select r.dedupe_key, r.conversation_id, r.customer_id, r.channel, r.recipient, r.kind, 'bot', r.message, r.status, r.inbound_id,
      case when r.status = 'sent' then now() else null end
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(dedupe_key text, conversation_id uuid, customer_id uuid, channel text,
      recipient text, kind text, message jsonb, status text, inbound_id uuid, seq int)
    join conversations c on c.id = r.conversation_id
    where r.kind <> 'reply' or c.owner = 'bot'
    order by r.inbound_id, r.seq
    on conflict (dedupe_key) do nothing
    returning id, inbound_id, message, status`.execute(trx);
  for (const row of result.rows) {
    const list = byInbound.get(row.inbound_id) ?? [];
    list.push({ id: row.id, message: row.message, status: row.status });
    byInbound.set(row.inbound_id, list);
  }
  return byInbound;
}

async function updateConversations(trx: Db, records: TurnRecord[]): Promise<void> {
  const rows = records.map((r) => ({
    id: r.inbound.conversationId, state: r.state ?? null, locale: r.inbound.locale, at: r.inbound.receivedAt.toISOString(),
  }));
  if (rows.length === 0) return;
  await sql`
    update conversations c set state = coalesce(v.state, c.state), locale = v.locale,
      last_message_at = greatest(coalesce(c.last_message_at, v.at), v.at), version = c.version + 1
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id uuid, state jsonb, locale text, at timestamptz)
    where c.id = v.id`.execute(trx);
}

async function touchCustomers(trx: Db, records: TurnRecord[]): Promise<void> {
  const latest = new Map<string, string>();
  for (const r of records) latest.set(r.inbound.customerId, r.inbound.receivedAt.toISOString());
  if (latest.size === 0) return;
  const rows = [...latest].map(([id, at]) => ({ id, at }));
  await sql`
    update customers c set last_seen_at = greatest(coalesce(c.last_seen_at, v.at), v.at)
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as v(id uuid, at timestamptz)
    where c.id = v.id`.execute(trx);
}
