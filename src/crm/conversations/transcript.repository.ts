import { sql } from 'kysely';
import type { OutboundMessage } from '../../core/message.js';
import type { Db } from '../../storage/database.js';

export interface TranscriptEntry {
  direction: 'in' | 'out';
  author: 'customer' | 'bot' | 'agent' | 'system';
  text: string;
  quickReplies?: OutboundMessage['quickReplies'];
  buttons?: OutboundMessage['buttons'];
  at: string;
}

/** A conversation's transcript: what the customer sent and everything sent to them. */
export class TranscriptRepository {
  constructor(private readonly db: Db) {}

  async forConversation(conversationId: string, limit = 200): Promise<TranscriptEntry[]> {
    const rows = await sql<{ direction: 'in' | 'out'; author: string | null; kind: string | null; text: string | null; payload: string | null; message: OutboundMessage | null; at: Date }>`
      select * from (
        select 'in' as direction, 'customer' as author, null as kind, text, payload, null::jsonb as message, received_at as at, 0 as seq, created_at
        from inbound_messages where conversation_id = ${conversationId}
        union all
        select 'out', author, kind, null, null, message, created_at, id, created_at
        from outbox where conversation_id = ${conversationId} and status in ('sent', 'pending', 'sending')
      ) t order by at desc, direction desc, seq desc limit ${limit}`.execute(this.db);
    return rows.rows.reverse().map((r) => toEntry(r));
  }
}

function toEntry(r: { direction: 'in' | 'out'; author: string | null; kind: string | null; text: string | null; payload: string | null; message: OutboundMessage | null; at: Date }): TranscriptEntry {
  const at = new Date(r.at).toISOString();
  if (r.direction === 'in') return { direction: 'in', author: 'customer', text: r.text ?? r.payload ?? '', at };
  const m = r.message ?? { text: '' };
  const author = r.kind === 'agent' ? 'agent' : r.kind === 'reply' ? 'bot' : 'system';
  return { direction: 'out', author, text: m.text, ...(m.quickReplies ? { quickReplies: m.quickReplies } : {}), ...(m.buttons ? { buttons: m.buttons } : {}), at };
}
