import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackQueryUpdate, groupTextUpdate, privateTextUpdate, redelivered } from '../../fakes/telegram-api.fake.js';
import { outboxRows, sleep, startTelegramApp, type TelegramTestApp } from './telegram-app.js';

let t: TelegramTestApp;

beforeAll(async () => {
  t = await startTelegramApp('polling');
}, 60_000);
afterAll(async () => {
  await t?.close();
});

type Keyboard = { inline_keyboard: Array<Array<{ text: string; callback_data?: string; url?: string }>> };

describe('Telegram by long polling, through the whole app', () => {
  it('answers a private "hi" with one greeting that carries an inline keyboard', async () => {
    t.fake.pushUpdate(privateTextUpdate({ id: 1001, text: 'hi', firstName: 'Ada', languageCode: 'en' }));
    await t.fake.waitUntil(() => t.fake.messagesTo(1001).length === 1, 8000, 'the greeting');
    const [call] = t.fake.messagesTo(1001);
    expect(call.payload.text).toMatch(/Ada/);
    const keyboard = call.payload.reply_markup as Keyboard;
    const data = keyboard.inline_keyboard.flat().map((b) => b.callback_data);
    expect(data).toContain('intent:track_order');
    await sleep(300);
    expect(t.fake.messagesTo(1001)).toHaveLength(1);
  });

  it('answers "你好" in Chinese', async () => {
    t.fake.pushUpdate(privateTextUpdate({ id: 1002, text: '你好', firstName: '小明', languageCode: 'zh-hans' }));
    await t.fake.waitUntil(() => t.fake.messagesTo(1002).length === 1, 8000, 'the Chinese greeting');
    expect(t.fake.messagesTo(1002)[0].payload.text).toMatch(/您好/);
  });

  it('replies once when the same message is served five times', async () => {
    const update = privateTextUpdate({ id: 1003, text: 'hello' });
    // Twice in one batch with the same update_id, then in three fresh updates (Telegram re-sending).
    t.fake.pushUpdate(update, update);
    await t.fake.waitUntil(() => t.fake.messagesTo(1003).length === 1, 8000, 'the first reply');
    t.fake.pushUpdate(redelivered(update), redelivered(update), redelivered(update));
    await t.fake.waitUntil(() => t.fake.confirmedOffset > update.update_id + 3, 5000, 'the redeliveries to be confirmed');
    await sleep(1500);
    expect(t.fake.messagesTo(1003)).toHaveLength(1);
    expect(await outboxRows(t.app, 1003)).toHaveLength(1);
  });

  it('answers a button press right away and routes its payload', async () => {
    const press = callbackQueryUpdate({ id: 1004, data: 'intent:help', queryId: 'q-1004' });
    t.fake.pushUpdate(press);
    await t.fake.waitUntil(() => t.fake.messagesTo(1004).length === 1, 8000, 'the routed reply');
    expect(t.fake.callsOf('answerCallbackQuery').map((c) => c.payload.callback_query_id)).toContain('q-1004');
    const reply = t.fake.messagesTo(1004)[0];
    expect(reply.payload.text).toMatch(/what I can do/i);
    expect((reply.payload.reply_markup as Keyboard).inline_keyboard.flat().length).toBeGreaterThan(3);
  });

  it('ignores group messages, with one short note per group and no turn', async () => {
    t.fake.pushUpdate(groupTextUpdate({ id: 77, chatId: -5001, text: 'hi bot' }), groupTextUpdate({ id: 78, chatId: -5001, text: 'hello?' }));
    await t.fake.waitUntil(() => t.fake.messagesTo(-5001).length === 1, 5000, 'the group note');
    await sleep(1200);
    expect(t.fake.messagesTo(-5001)).toHaveLength(1);
    expect(t.fake.messagesTo(-5001)[0].payload.text).toMatch(/private/);
    const inbound = await t.app.store.db.selectFrom('conversations').select('id').where('channel', '=', 'telegram').where('external_id', '=', '-5001').execute();
    expect(inbound).toHaveLength(0);
  });

  it('waits for Telegram\'s retry_after on 429 and then sends once', async () => {
    t.fake.failNext('sendMessage', 1, { kind: 'rate_limited', retryAfter: 2 });
    t.fake.pushUpdate(privateTextUpdate({ id: 1005, text: 'hi' }));
    await t.fake.waitUntil(() => t.fake.messagesTo(1005).length === 2, 10_000, 'the retried send');
    const [first, second] = t.fake.messagesTo(1005);
    expect(second.at - first.at).toBeGreaterThanOrEqual(1900);
    await sleep(500);
    expect(t.fake.messagesTo(1005)).toHaveLength(2);
    const rows = await outboxRows(t.app, 1005);
    expect(rows.map((r) => r.status)).toEqual(['sent']);
  });

  it('retries after a 5xx and then sends once', async () => {
    t.fake.failNext('sendMessage', 1, { kind: 'server_error', status: 502 });
    t.fake.pushUpdate(privateTextUpdate({ id: 1006, text: 'hi' }));
    await t.fake.waitUntil(() => t.fake.messagesTo(1006).length === 2, 10_000, 'the retried send');
    await sleep(300);
    const rows = await outboxRows(t.app, 1006);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([['sent', 2]]);
  });

  it('marks the delivery failed and the customer unreachable when they blocked the bot', async () => {
    t.fake.failNext('sendMessage', 1, { kind: 'blocked' });
    t.fake.pushUpdate(privateTextUpdate({ id: 1007, text: 'hi' }));
    await t.fake.waitUntil(() => t.fake.messagesTo(1007).length === 1, 8000, 'the blocked send');
    let rows = await outboxRows(t.app, 1007);
    for (let i = 0; i < 50 && rows[0]?.status !== 'failed'; i++) {
      await sleep(50);
      rows = await outboxRows(t.app, 1007);
    }
    expect(rows[0].status).toBe('failed');
    expect(rows[0].last_error).toMatch(/blocked/);
    const identity = await t.app.store.db.selectFrom('identities').selectAll().where('channel', '=', 'telegram').where('external_id', '=', '1007').executeTakeFirstOrThrow();
    expect(identity.unreachable_at).toBeInstanceOf(Date);
    await sleep(1200);
    expect(t.fake.messagesTo(1007)).toHaveLength(1);
  });

  it('splits a reply longer than 4096 characters and keeps the keyboard on the last part', async () => {
    const paragraph = 'Our return policy is simple and fair. '.repeat(40).trim();
    const text = Array.from({ length: 8 }, () => paragraph).join('\n\n');
    const result = await t.adapter.send('1008', { text, quickReplies: [{ label: 'OK', payload: 'intent:thanks' }] });
    const parts = t.fake.messagesTo(1008);
    expect(parts.length).toBeGreaterThanOrEqual(Math.ceil(text.length / 4096));
    expect(parts.length).toBeLessThanOrEqual(Math.ceil(text.length / 2048));
    expect(parts.every((p) => (p.payload.text as string).length <= 4096)).toBe(true);
    expect(parts.map((p) => p.payload.text).join('')).toBe(text);
    expect(parts.slice(0, -1).every((p) => p.payload.reply_markup === undefined)).toBe(true);
    expect(parts.at(-1)!.payload.reply_markup).toBeDefined();
    expect(result.platformMessageId).toMatch(/^\d+$/);
  });

  it('keeps to one message a second in one chat', async () => {
    for (const text of ['hi', 'hello', 'hey', 'hi there', 'good morning']) t.fake.pushUpdate(privateTextUpdate({ id: 1009, text }));
    await t.fake.waitUntil(() => t.fake.messagesTo(1009).length >= 5, 15_000, 'five replies');
    const times = t.fake.messagesTo(1009).map((c) => c.at);
    const gaps = times.slice(1).map((at, i) => at - times[i]);
    // The shared rate limiter allows one a second; 100 ms of slack for timer granularity.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);
  }, 30_000);

  it('reports itself healthy on /readyz', async () => {
    const res = await fetch(`${t.app.url}/readyz`);
    const body = (await res.json()) as { checks?: Record<string, unknown> } & Record<string, unknown>;
    expect(JSON.stringify(body)).toMatch(/channel:telegram/);
    expect(t.adapter.health()).toEqual({ ok: true, detail: '@patron_test_bot via polling' });
  });
});
