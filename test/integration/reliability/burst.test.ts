import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../helpers/app.js';
import { chatLoad, NO_CHAT_LIMITS, percentiles, webchatLedger } from '../../soak/support/soak.js';

const app = useTestApp({ DEMO_DATA: 'false', ...NO_CHAT_LIMITS }, {}, 'patron-burst-');

describe('a burst of web-chat sessions', () => {
  it('answers 100 sessions × 5 messages at once with no error, each message recorded and answered once', async () => {
    const result = await chatLoad({ url: `${app.url}/chat/messages`, sessions: 100, perSession: 5 });
    const lat = percentiles(result.latencies);
    console.log(`[burst] ${result.requests} turns in ${result.seconds.toFixed(1)} s; ms p50 ${lat.p50} p95 ${lat.p95} p99 ${lat.p99}`);
    expect(result.errors).toEqual([]);
    const { inbound, conversations, replies, unanswered } = await webchatLedger(app.store.db);
    expect({ inbound, conversations, replies, unanswered }).toEqual({ inbound: 500, conversations: 100, replies: result.replies, unanswered: 0 });
  }, 30_000);
});
