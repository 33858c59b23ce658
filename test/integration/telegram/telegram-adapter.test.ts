import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { DeliveryError } from '../../../src/channels/channel-adapter.js';
import { TelegramAdapter, type TelegramAdapterOptions } from '../../../src/channels/telegram/telegram.adapter.js';
import { buildTelegramChannel } from '../../../src/channels/telegram/telegram.channel.js';
import type { InboundMessage } from '../../../src/core/message.js';
import { RedisCoordination } from '../../../src/storage/coordination.redis.js';
import type { TurnResult } from '../../../src/flows/pipeline.js';
import { requireRedis } from '../../setup/servers.js';
import { callbackQueryUpdate, FakeTelegramApi, groupTextUpdate, privateTextUpdate } from '../../fakes/telegram-api.fake.js';

const log = pino({ level: 'silent' });
let fake: FakeTelegramApi;
let received: InboundMessage[];
let adapters: TelegramAdapter[];

const committed = (m: InboundMessage): TurnResult => ({ status: 'processed', conversationId: m.conversation, customerId: m.sender.id, locale: 'en', replies: [] });

function adapter(overrides: Partial<TelegramAdapterOptions> = {}): TelegramAdapter {
  const a = new TelegramAdapter({
    token: fake.token, apiRoot: fake.apiRoot, mode: 'polling', log, pollTimeoutSec: 1,
    handle: async (m) => {
      received.push(m);
      return committed(m);
    },
    ...overrides,
  });
  adapters.push(a);
  return a;
}

beforeEach(async () => {
  fake = new FakeTelegramApi();
  await fake.start();
  received = [];
  adapters = [];
});
afterEach(async () => {
  await Promise.all(adapters.map((a) => a.stop()));
  await fake.close();
});

async function sendError(a: TelegramAdapter): Promise<DeliveryError> {
  const err = await a.send('42', { text: 'hello' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('the Telegram adapter against a fake Bot API', () => {
  it('normalises messages by their identity, sender, locale and /start deep links', async () => {
    const a = adapter();
    await a.start();
    fake.pushUpdate(
      privateTextUpdate({ id: 7, text: '/start', messageId: 1, firstName: 'Ada', lastName: 'L', languageCode: 'en-GB' }),
      privateTextUpdate({ id: 7, text: '/start shop-123', messageId: 2, languageCode: 'zh-hans' }),
      privateTextUpdate({ id: 7, text: 'hallo', messageId: 3, languageCode: 'de' }),
    );
    await fake.waitUntil(() => received.length === 3);
    expect(received.map((m) => [m.id, m.conversation, m.text, m.payload, m.locale])).toEqual([
      ['msg:7:1', '7', 'hi', undefined, 'en'],
      ['msg:7:2', '7', 'hi', 'start:shop-123', 'zh-CN'],
      ['msg:7:3', '7', 'hallo', undefined, undefined],
    ]);
    expect(received[0].sender).toEqual({ id: '7', name: 'Ada L' });
  });

  it('does not confirm an update to Telegram until its turn has committed', async () => {
    let failOnce = true;
    let offsetsBeforeCommit: number[] = [];
    const a = adapter({
      handle: async (m) => {
        if (failOnce) {
          failOnce = false;
          throw new Error('database went away');
        }
        offsetsBeforeCommit = fake.callsOf('getUpdates').map((c) => Number(c.payload.offset ?? 0));
        received.push(m);
        return committed(m);
      },
    });
    await a.start();
    const update = privateTextUpdate({ id: 8, text: 'hi' });
    fake.pushUpdate(update);
    await fake.waitUntil(() => received.length === 1, 5000, 'the second try');
    expect(offsetsBeforeCommit.length).toBeGreaterThan(1);
    expect(offsetsBeforeCommit.some((o) => o > update.update_id)).toBe(false);
    await fake.waitUntil(() => fake.confirmedOffset === update.update_id + 1, 5000, 'the confirmation');
  });

  it('stops polling promptly while a long poll is pending', async () => {
    const a = adapter({ pollTimeoutSec: 50 });
    await a.start();
    await fake.waitUntil(() => fake.callsOf('getUpdates').length > 0);
    const started = Date.now();
    await a.stop();
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('starts without the Bot API, reports what is down, and connects once it is back', async () => {
    fake.failNext('getMe', 2, { kind: 'drop' });
    const a = adapter();
    const started = Date.now();
    await a.start();
    expect(Date.now() - started).toBeLessThan(3500);
    const down = a.health();
    if (!down.ok) expect(down.detail).toMatch(/getMe failed/);
    await a.whenConnected();
    expect(a.health().ok).toBe(true);

    const dead = adapter({ apiRoot: 'http://127.0.0.1:9' });
    await dead.start();
    expect(dead.health()).toMatchObject({ ok: false, detail: expect.stringMatching(/getMe failed: .*ECONNREFUSED/) });
  });

  it('maps Bot API failures to retry, unreachable and permanent delivery errors', async () => {
    const a = adapter();
    fake.failNext('sendMessage', 1, { kind: 'rate_limited', retryAfter: 3 });
    fake.failNext('sendMessage', 1, { kind: 'server_error', status: 503 });
    fake.failNext('sendMessage', 1, { kind: 'drop' });
    fake.failNext('sendMessage', 1, { kind: 'blocked' });
    fake.failNext('sendMessage', 1, { kind: 'chat_not_found' });
    const errors = [];
    for (let i = 0; i < 5; i++) errors.push(await sendError(a));
    expect(errors.map((e) => [e.failure, e.retryAfterMs])).toEqual([
      ['retry', 3000], ['retry', undefined], ['retry', undefined], ['unreachable', undefined], ['permanent', undefined],
    ]);
    expect(errors[3].message).toMatch(/blocked by the user/);
    expect(errors.map((e) => e.message).join(' ')).not.toContain(fake.token.split(':')[1]);
    expect(await a.send('42', { text: 'now it works' })).toEqual({ platformMessageId: expect.any(String) });
  });

  it('reuses one kept-alive connection for its Bot API calls', async () => {
    const a = adapter();
    for (let i = 0; i < 5; i++) await a.send('42', { text: `message ${i}` });
    expect(fake.callsOf('sendMessage')).toHaveLength(5);
    expect(fake.connections).toBe(1);
  });

  it('sends long button payloads as a short hash and resolves them when pressed', async () => {
    const a = adapter();
    await a.start();
    const long = `order:${'A1023-'.repeat(20)}`;
    await a.send('9', { text: 'Pick one', buttons: [{ label: 'This order', payload: long }, { label: 'Shop', url: 'https://shop.example.com' }] });
    const keyboard = fake.messagesTo(9)[0].payload.reply_markup as { inline_keyboard: Array<Array<{ callback_data?: string; url?: string }>> };
    const [pick, link] = keyboard.inline_keyboard.flat();
    expect(Buffer.byteLength(pick.callback_data!)).toBeLessThanOrEqual(64);
    expect(link.url).toBe('https://shop.example.com');
    fake.pushUpdate(callbackQueryUpdate({ id: 9, data: pick.callback_data!, queryId: 'q-9' }));
    fake.pushUpdate(callbackQueryUpdate({ id: 9, data: '#h:unknownunknownunknown', queryId: 'q-10' }));
    await fake.waitUntil(() => fake.callsOf('answerCallbackQuery').length === 2);
    await fake.waitUntil(() => received.length === 1);
    expect(received[0]).toMatchObject({ id: 'cbq:q-9', payload: long, conversation: '9' });
    const expired = fake.callsOf('answerCallbackQuery').find((c) => c.payload.callback_query_id === 'q-10')!;
    expect(expired.payload.text).toMatch(/expired/);
  });

  it.skipIf(!requireRedis())('resolves a long button payload on another instance (shared through Redis)', async () => {
    const [one, two] = await Promise.all([RedisCoordination.connect(requireRedis()!), RedisCoordination.connect(requireRedis()!)]);
    try {
      // Instance one only sends (no polling); instance two receives the press.
      const sender = adapter({ shared: one });
      const receiver = adapter({ shared: two });
      await receiver.start();
      const long = `order:${'B2044-'.repeat(20)}:${Date.now()}`;
      await sender.send('11', { text: 'Pick one', buttons: [{ label: 'This order', payload: long }] });
      const keyboard = fake.messagesTo(11)[0].payload.reply_markup as { inline_keyboard: Array<Array<{ callback_data?: string }>> };
      const pick = keyboard.inline_keyboard.flat()[0];
      expect(pick.callback_data).toMatch(/^#h:/);
      fake.pushUpdate(callbackQueryUpdate({ id: 11, data: pick.callback_data!, queryId: 'q-11' }));
      await fake.waitUntil(() => received.length === 1);
      expect(received[0]).toMatchObject({ id: 'cbq:q-11', payload: long, conversation: '11' });
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  const longText = () => Array.from({ length: 3 }, (_, i) => `Part ${i + 1}. ` + 'Our return policy is simple and fair. '.repeat(100)).join('\n\n');

  it('carries on with a split message after a failed part instead of repeating the parts already sent', async () => {
    const a = adapter();
    const text = longText();
    fake.failNext('sendMessage', 1, { kind: 'ok' });
    fake.failNext('sendMessage', 1, { kind: 'server_error', status: 502 });
    const err = await a.send('21', { text }).catch((e: unknown) => e);
    expect(err).toMatchObject({ failure: 'retry', message: expect.stringMatching(/part 2\/\d/) });
    await a.send('21', { text });
    const texts = fake.messagesTo(21).map((c) => c.payload.text as string);
    // part 1 once, part 2 twice (the failed call and its retry), then the rest: nothing delivered twice.
    expect(texts[1]).toBe(texts[2]);
    expect([texts[0], ...texts.slice(2)].join('')).toBe(text);
    // Done: the same message sent again later goes out whole.
    const before = fake.messagesTo(21).length;
    await a.send('21', { text });
    expect(fake.messagesTo(21).length - before).toBe(texts.length - 1);
  });

  it.skipIf(!requireRedis())('carries on with a split message on another instance (progress shared through Redis)', async () => {
    const [one, two] = await Promise.all([RedisCoordination.connect(requireRedis()!), RedisCoordination.connect(requireRedis()!)]);
    try {
      const first = adapter({ shared: one });
      const second = adapter({ shared: two });
      const text = `${longText()} ${Date.now()}`;
      fake.failNext('sendMessage', 1, { kind: 'ok' });
      fake.failNext('sendMessage', 1, { kind: 'server_error', status: 502 });
      await expect(first.send('22', { text })).rejects.toMatchObject({ failure: 'retry' });
      await second.send('22', { text });
      const texts = fake.messagesTo(22).map((c) => c.payload.text as string);
      expect(texts[1]).toBe(texts[2]);
      expect([texts[0], ...texts.slice(2)].join('')).toBe(text);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('ignores group chats without a turn and tells each group once', async () => {
    const a = adapter();
    await a.start();
    fake.pushUpdate(groupTextUpdate({ id: 5, chatId: -100, text: 'hi' }), groupTextUpdate({ id: 6, chatId: -100, text: 'hey', type: 'supergroup' }));
    await fake.waitUntil(() => fake.confirmedOffset > 0 && fake.callsOf('getUpdates').length > 2);
    expect(received).toHaveLength(0);
    expect(fake.messagesTo(-100)).toHaveLength(1);
    expect(fake.messagesTo(-100)[0].payload.text).toContain('https://t.me/patron_test_bot');
  });

  it('builds nothing without a token and refuses webhook mode without a secret', () => {
    const handle = async (m: InboundMessage) => committed(m);
    expect(buildTelegramChannel({ env: { TELEGRAM_BOT_TOKEN: undefined, TELEGRAM_API_ROOT: undefined, TELEGRAM_WEBHOOK_SECRET: undefined, TELEGRAM_WEBHOOK_URL: undefined }, handle, log })).toBeNull();
    expect(() =>
      buildTelegramChannel({ env: { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_MODE: 'webhook', TELEGRAM_API_ROOT: undefined, TELEGRAM_WEBHOOK_SECRET: undefined, TELEGRAM_WEBHOOK_URL: 'https://x.example' }, handle, log }),
    ).toThrow(/TELEGRAM_WEBHOOK_SECRET/);
    const built = buildTelegramChannel({ env: { TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: undefined, TELEGRAM_WEBHOOK_SECRET: undefined, TELEGRAM_WEBHOOK_URL: undefined }, handle, log, pacing: null });
    expect(built!.routes).toHaveLength(0);
    expect(built!.adapter.pacing).toBeUndefined();
  });
});
