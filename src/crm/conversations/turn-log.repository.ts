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
 * Group commit for turns: records queued while a batch is written go together in the next one
 * (one statement for any number of turns). Under light load each turn commits
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

  /**
   * One statement per batch (data-modifying CTEs): a single statement is atomic on its own, so
   * the batch needs no begin/commit round trips — on PGlite every round trip blocks the event loop.
   */
  private async writeBatch(records: TurnRecord[]): Promise<TurnCommit[]> {
    const { rows: [row] } = await batchStatement(records).execute(this.db);
    const accepted = new Set(row?.accepted ?? []);
    const outbox = new Map<string, TurnCommit['outbox']>();
    for (const o of row?.outbox ?? []) {
      const list = outbox.get(o.inbound_id) ?? [];
      list.push({ id: o.id, message: o.message, status: o.status });
      outbox.set(o.inbound_id, list);
    }
    return records.map((r) => ({ accepted: accepted.has(r.inbound.id), outbox: outbox.get(r.inbound.id) ?? [] }));
  }
}

interface BatchRow {
  accepted: string[] | null;
  outbox: Array<{ id: string; inbound_id: string; message: OutboundMessage; status: string }> | null;
}

/**
 * Inbound rows first (a redelivered message conflicts and is left out of everything after it);
 * then, for the accepted ones only, their replies into the outbox, the conversations' new state
 * and the customers' last-seen time.
 */
function batchStatement(records: TurnRecord[]) {
  const inbound = records.map((r, n) => ({ n,
    id: r.inbound.id, channel: r.inbound.channel, external_id: r.inbound.externalId,
    conversation_id: r.inbound.conversationId, customer_id: r.inbound.customerId, text: r.inbound.text,
    payload: r.inbound.payload, locale: r.inbound.locale, intent: r.inbound.intent,
    confidence: r.inbound.confidence, flow: r.inbound.flow, received_at: r.inbound.receivedAt.toISOString(),
    state: r.state ?? null,
  }));
  const replies = records.flatMap((r) =>
    r.replies.map((reply, i) => ({
      dedupe_key: `turn:${r.inbound.id}:${i}`, conversation_id: r.inbound.conversationId, customer_id: r.inbound.customerId,
      channel: r.inbound.channel, recipient: r.recipient, kind: reply.kind, message: reply.message,
      status: reply.delivered ? 'sent' : 'pending', inbound_id: r.inbound.id, seq: i,
    })),
  );
  // A bot reply is written only while the bot still owns the thread: an agent who took over
  // between the customer's message and this commit never has the bot talk over them.
  return sql<BatchRow>`
    with v as (
      select * from jsonb_to_recordset(${JSON.stringify(inbound)}::jsonb) as r(id uuid, channel text, external_id text, conversation_id uuid,
        customer_id uuid, text text, payload text, locale text, intent text, confidence real, flow text, received_at timestamptz, state jsonb, n int)
    ), ins as (
      insert into inbound_messages (id, channel, external_id, conversation_id, customer_id, text, payload, locale, intent, confidence, flow, received_at)
      select id, channel, external_id, conversation_id, customer_id, text, payload, locale, intent, confidence, flow, received_at from v
      on conflict (channel, external_id) do nothing
      returning id
    ), outs as (
      insert into outbox (dedupe_key, conversation_id, customer_id, channel, recipient, kind, author, message, status, inbound_id, sent_at)
      select r.dedupe_key, r.conversation_id, r.customer_id, r.channel, r.recipient, r.kind, 'bot', r.message, r.status, r.inbound_id,
        case when r.status = 'sent' then now() else null end
      from jsonb_to_recordset(${JSON.stringify(replies)}::jsonb) as r(dedupe_key text, conversation_id uuid, customer_id uuid, channel text,
        recipient text, kind text, message jsonb, status text, inbound_id uuid, seq int)
      join conversations c on c.id = r.conversation_id
      where (r.kind <> 'reply' or c.owner = 'bot') and r.inbound_id in (select id from ins)
      order by r.inbound_id, r.seq
      on conflict (dedupe_key) do nothing
      returning id, inbound_id, message, status
    ), conv as (
      update conversations c set state = coalesce(v.state, c.state), locale = v.locale,
        last_message_at = greatest(coalesce(c.last_message_at, v.received_at), v.received_at), version = c.version + 1
      -- The batch's last accepted turn of each conversation holds its newest state.
      from (select distinct on (conversation_id) * from v where id in (select id from ins) order by conversation_id, n desc) v
      where c.id = v.conversation_id
    ), cust as (
      -- Minute precision is plenty for "last seen" (segments count in days), and skipping the
      -- rewrite spares every customers index (GIN tags included) on a chatty session's turns.
      update customers c set last_seen_at = s.at
      from (select customer_id, max(received_at) as at from v where id in (select id from ins) group by customer_id) s
      where c.id = s.customer_id and (c.last_seen_at is null or c.last_seen_at < s.at - interval '1 minute')
    )
    select (select json_agg(id) from ins) as accepted,
      (select json_agg(json_build_object('id', id::text, 'inbound_id', inbound_id, 'message', message, 'status', status) order by id) from outs) as outbox`;
}
