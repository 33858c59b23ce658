import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Update } from 'telegraf/types';
import { privateTextUpdate, redelivered } from '../../fakes/telegram-api.fake.js';
import { sleep, startTelegramApp, WEBHOOK_SECRET, type TelegramTestApp } from './telegram-app.js';

let t: TelegramTestApp;

beforeAll(async () => {
  t = await startTelegramApp('webhook');
}, 60_000);
afterAll(async () => {
  await t?.close();
});

function post(body: unknown, secret: string | null = WEBHOOK_SECRET) {
  return fetch(`${t.app.url}/telegram/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret !== null ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function inboundCount(externalId: string): Promise<number> {
  const rows = await t.app.store.db.selectFrom('inbound_messages').select('id').where('channel', '=', 'telegram').where('external_id', '=', externalId).execute();
  return rows.length;
}

describe('Telegram by webhook, through the whole app', () => {
  it('registers the webhook with its URL and secret token at start', () => {
    expect(t.fake.webhook).toEqual({ url: 'https://shop.example.com/telegram/webhook', secret: WEBHOOK_SECRET, maxConnections: 12 });
    expect(t.fake.callsOf('getUpdates')).toHaveLength(0);
  });

  it('refuses a wrong or missing secret with 401 and processes nothing', async () => {
    const update = privateTextUpdate({ id: 2001, text: 'hi' });
    const wrong = await post(update, 'not-the-secret');
    const missing = await post(update, null);
    const almost = await post(update, WEBHOOK_SECRET.slice(0, -1));
    expect([wrong.status, missing.status, almost.status]).toEqual([401, 401, 401]);
    await sleep(1200);
    expect(t.fake.messagesTo(2001)).toHaveLength(0);
    expect(await inboundCount(`msg:2001:${(update as Extract<Update, { message: unknown }>).message.message_id}`)).toBe(0);
  });

  it('answers 200 once the turn is committed, then sends one reply', async () => {
    const update = privateTextUpdate({ id: 2002, text: 'hi', firstName: 'Lin' }) as Extract<Update, { message: unknown }>;
    const res = await post(update);
    expect(res.status).toBe(200);
    expect(await inboundCount(`msg:2002:${update.message.message_id}`)).toBe(1);
    await t.fake.waitUntil(() => t.fake.messagesTo(2002).length === 1, 8000, 'the reply');
    expect(t.fake.messagesTo(2002)[0].payload.text).toMatch(/Lin/);
  });

  it('replies once when Telegram re-POSTs the same update five times, some at once', async () => {
    const update = privateTextUpdate({ id: 2003, text: 'hello' });
    const statuses = await Promise.all([post(update), post(update), post(update)].map(async (r) => (await r).status));
    statuses.push((await post(update)).status, (await post(redelivered(update))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    await t.fake.waitUntil(() => t.fake.messagesTo(2003).length === 1, 8000, 'the reply');
    await sleep(1500);
    expect(t.fake.messagesTo(2003)).toHaveLength(1);
  });

  it('answers 400 to a body that is not an update, before any processing', async () => {
    expect((await post({ hello: 'world' })).status).toBe(400);
    expect((await post('{not json')).status).toBe(400);
  });

  it('answers fast: a turn takes well under a second', async () => {
    const started = performance.now();
    const res = await post(privateTextUpdate({ id: 2004, text: 'where is my order' }));
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
