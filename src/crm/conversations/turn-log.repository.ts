import { sql } from 'kysely';
import type { OutboundMessage } from '../../core/message.js';
import type { Db } from '../../storage/database.js';
import type { OutboxKind } from '../../storage/schema.js';
import { Batcher } from '../../storage/batcher.js';

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

/**
 * Group commit for turns: records queued while a batch is written go together in the next one
 * (one statement for any number of turns). Under light load each turn commits
 * alone with no added delay; under heavy load this is what keeps PGlite's per-query cost off the
 * per-turn path.
 */
export class TurnLogRepository {
  private readonly batcher: Batcher<TurnRecord, TurnCommit>;

  constructor(private readonly db: Db, maxBatch = 256) {
    this.batcher = new Batcher((records) => this.writeBatch(records), maxBatch);
  }

  commit(record: TurnRecord): Promise<TurnCommit> {
    return this.batcher.call(record);
  }

  /** Resolves when everything queued so far is written. */
  idle(): Promise<void> {
    return this.batcher.idle();
  }

  /**
   * One statement per batch (data-modifying CTEs in the `commit_turns` function): a single statement
   * is atomic on its own, so the batch needs no begin/commit round trips.
   */
  private async writeBatch(records: TurnRecord[]): Promise<TurnCommit[]> {
    const { rows: [row] } = await batchStatement(records).execute(this.db);
    const accepted = new Set(row?.accepted ?? []);
    const byInbound = new Map(records.map((r) => [r.inbound.id, r]));
    const outbox = new Map<string, TurnCommit['outbox']>();
    // Rows come in id order, which is each turn's reply order; the key names the turn and the reply.
    for (const o of row?.outbox ?? []) {
      const { inboundId, seq } = parseReplyKey(o.key);
      const list = outbox.get(inboundId) ?? [];
      list.push({ id: o.id, message: byInbound.get(inboundId)!.replies[seq].message, status: o.status });
      outbox.set(inboundId, list);
    }
    return records.map((r) => ({ accepted: accepted.has(r.inbound.id), outbox: outbox.get(r.inbound.id) ?? [] }));
  }
}

interface BatchRow {
  accepted: string[] | null;
  outbox: Array<{ id: string; key: string; status: string }> | null;
}

const REPLY_KEY = 'turn:';

/** A turn reply's outbox dedupe key: one per reply, so a redelivered turn can never queue it twice. */
function replyKey(inboundId: string, seq: number): string {
  return `${REPLY_KEY}${inboundId}:${seq}`;
}

function parseReplyKey(key: string): { inboundId: string; seq: number } {
  const colon = key.lastIndexOf(':');
  return { inboundId: key.slice(REPLY_KEY.length, colon), seq: Number(key.slice(colon + 1)) };
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
      dedupe_key: replyKey(r.inbound.id, i), conversation_id: r.inbound.conversationId, customer_id: r.inbound.customerId,
      channel: r.inbound.channel, recipient: r.recipient, kind: reply.kind, message: reply.message,
      status: reply.delivered ? 'sent' : 'pending', inbound_id: r.inbound.id, seq: i,
    })),
  );
  // The statement itself is the database function `commit_turns` (migrations 0014 and 0018): planned
  // once per session instead of once per batch, which is most of a lone turn's commit time on PGlite.
  return sql<BatchRow>`select accepted, outbox from commit_turns(${JSON.stringify(inbound)}::jsonb, ${JSON.stringify(replies)}::jsonb)`;
}
