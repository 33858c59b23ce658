import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Update } from 'telegraf/types';
import { useTestApp } from '../helpers/app.js';
import { privateTextUpdate } from '../fakes/telegram-api.fake.js';
import { startTelegramApp, WEBHOOK_SECRET, type TelegramTestApp } from '../integration/telegram/telegram-app.js';
import { chatLoad, mapLimit, NO_CHAT_LIMITS, percentiles, SOAK, sleep, waitUntil, webchatLedger } from './support/soak.js';

const SESSIONS = Number(process.env.SOAK_SESSIONS ?? 1000);
const PER_SESSION = Number(process.env.SOAK_MESSAGES ?? 20);
const TG_USERS = Number(process.env.SOAK_TG_USERS ?? 300);
const TG_PER_USER = Number(process.env.SOAK_TG_MESSAGES ?? 5);

describe.skipIf(!SOAK)('web chat under 1,000 concurrent sessions (embedded PGlite)', () => {
  // One load generator on one IP stands for a thousand visitors: the flood limits would refuse it.
  const app = useTestApp({ DEMO_DATA: 'false', ...NO_CHAT_LIMITS }, {}, 'patron-soak-load-');

  it(`answers ${SESSIONS} sessions × ${PER_SESSION} messages with no error, and every message is recorded and answered exactly once`, async () => {
    const result = await chatLoad({ url: `${app.url}/chat/messages`, sessions: SESSIONS, perSession: PER_SESSION });
    const lat = percentiles(result.latencies);
    console.log(`[soak] web chat: ${result.requests} turns in ${result.seconds.toFixed(1)} s = ${Math.round(result.requests / result.seconds)}/s; latency ms p50 ${lat.p50} p95 ${lat.p95} p99 ${lat.p99} max ${lat.max}; errors ${result.errors.length}`);
    expect(result.errors.filter(Boolean).slice(0, 5)).toEqual([]);
    expect(result.errors).toHaveLength(0);
    expect(result.requests).toBe(SESSIONS * PER_SESSION);

    const ledger = await webchatLedger(app.store.db);
    console.log(`[soak] web chat rows: ${ledger.inbound} inbound in ${ledger.conversations} conversations, ${ledger.replies} replies (returned to clients: ${result.replies}), ${ledger.unanswered} unanswered`);
    expect({ n: ledger.inbound, conversations: ledger.conversations }).toEqual({ n: SESSIONS * PER_SESSION, conversations: SESSIONS });
    // What the clients got back is exactly what was committed: nothing lost, nothing doubled.
    expect({ n: ledger.replies, unsent: ledger.unsent }).toEqual({ n: result.replies, unsent: 0 });
    expect(ledger.unanswered).toBe(0);
  });
});

describe.skipIf(!SOAK)('a Telegram update storm through the fake Bot API (webhook, pacing off)', () => {
  let t: TelegramTestApp;
  beforeAll(async () => {
    t = await startTelegramApp('webhook', null);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (update: Update) =>
    fetch(`${t.app.url}/telegram/webhook`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET }, body: JSON.stringify(update),
    }).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    });

  it(`handles ${TG_USERS} users × ${TG_PER_USER} messages (plus redeliveries) with one reply per message`, async () => {
    const texts = ['hi', 'where is my order', 'what can you do?', '你好', 'thanks'];
    const updates: Update[] = [];
    for (let m = 0; m < TG_PER_USER; m++) {
      for (let u = 0; u < TG_USERS; u++) updates.push(privateTextUpdate({ id: 700_000 + u, text: texts[(u + m) % texts.length], firstName: `U${u}` }));
    }
    // Every tenth update is delivered twice more, as Telegram does after a slow answer.
    const storm = [...updates, ...updates.filter((_, i) => i % 10 === 0), ...updates.filter((_, i) => i % 10 === 0)];
    const started = performance.now();
    const latencies: number[] = [];
    // Per user in order (Telegram keeps a chat's updates in order), users in parallel.
    const byUser = new Map<number, Update[]>();
    for (const u of storm) {
      const id = (u as Extract<Update, { message: unknown }>).message.chat.id;
      byUser.set(id, [...(byUser.get(id) ?? []), u]);
    }
    const statuses = (await mapLimit([...byUser.values()], 200, async (list) => {
      const out: number[] = [];
      for (const u of list) {
        const t0 = performance.now();
        out.push(await post(u));
        latencies.push(performance.now() - t0);
      }
      return out;
    })).flat();
    const seconds = (performance.now() - started) / 1000;
    const lat = percentiles(latencies);
    console.log(`[soak] telegram: ${storm.length} webhook posts (${updates.length} distinct) in ${seconds.toFixed(1)} s; ack latency ms p50 ${lat.p50} p95 ${lat.p95} p99 ${lat.p99} max ${lat.max}`);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const db = t.app.store.db;
    const rows = async () => (await sql<{ n: number; sent: number }>`
      select count(*)::int as n, count(*) filter (where status = 'sent')::int as sent from outbox where channel = 'telegram'`.execute(db)).rows[0];
    await waitUntil(async () => {
      const r = await rows();
      return r.n > 0 && r.sent === r.n;
    }, 300_000, 'every Telegram reply to be sent');
    const sendStarted = performance.now();
    await sleep(1500); // anything sent twice would show up by now
    const inbound = await sql<{ n: number }>`select count(*)::int as n from inbound_messages where channel = 'telegram'`.execute(db);
    const unanswered = await sql<{ n: number }>`
      select count(*)::int as n from inbound_messages i where i.channel = 'telegram' and not exists (select 1 from outbox o where o.inbound_id = i.id)`.execute(db);
    const outbox = await rows();
    const sent = t.fake.callsOf('sendMessage');
    const keys = new Set(sent.map((c) => `${c.payload.chat_id}\u0000${c.payload.text}\u0000${c.at}`));
    console.log(`[soak] telegram rows: ${inbound.rows[0].n} inbound, ${outbox.n} outbox rows, ${sent.length} sendMessage calls, ${unanswered.rows[0].n} unanswered (${Math.round(performance.now() - sendStarted)} ms settle)`);
    expect(inbound.rows[0].n).toBe(updates.length);
    expect(unanswered.rows[0].n).toBe(0);
    expect(sent.length).toBe(outbox.n);
    expect(keys.size).toBe(sent.length);
    // Each user got exactly as many messages as their replies in the outbox.
    const perChat = await sql<{ recipient: string; n: number }>`select recipient, count(*)::int as n from outbox where channel = 'telegram' group by recipient`.execute(db);
    for (const r of perChat.rows) expect({ chat: r.recipient, n: t.fake.messagesTo(r.recipient).length }).toEqual({ chat: r.recipient, n: r.n });
  });
});
