import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { useTestApp } from '../../helpers/app.js';
import { chatLoad, NO_CHAT_LIMITS, percentiles } from '../../soak/support/soak.js';

const app = useTestApp({ DEMO_DATA: 'false', ...NO_CHAT_LIMITS }, {}, 'patron-burst-');

describe('a burst of web-chat sessions', () => {
  it('answers 100 sessions × 5 messages at once with no error, each message recorded and answered once', async () => {
    const result = await chatLoad({ url: `${app.url}/chat/messages`, sessions: 100, perSession: 5 });
    const lat = percentiles(result.latencies);
    console.log(`[burst] ${result.requests} turns in ${result.seconds.toFixed(1)} s; ms p50 ${lat.p50} p95 ${lat.p95} p99 ${lat.p99}`);
    expect(result.errors).toEqual([]);
    const counts = await sql<{ inbound: number; conversations: number; replies: number; unanswered: number }>`
      select (select count(*)::int from inbound_messages where channel = 'webchat') as inbound,
        (select count(distinct conversation_id)::int from inbound_messages where channel = 'webchat') as conversations,
        (select count(*)::int from outbox where channel = 'webchat' and inbound_id is not null) as replies,
        (select count(*)::int from inbound_messages i where not exists (select 1 from outbox o where o.inbound_id = i.id)) as unanswered`.execute(app.store.db);
    expect(counts.rows[0]).toEqual({ inbound: 500, conversations: 100, replies: result.replies, unanswered: 0 });
  }, 30_000);
});
