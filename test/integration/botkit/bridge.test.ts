import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/channels/channel-adapter.js';
import { activityToInbound } from '../../../src/channels/botkit/botkit-activity.js';
import { buildBotkitBridge, createWebAdapterBridge, type BotkitChannel } from '../../../src/channels/botkit/botkit.channel.js';
import { loadBotkit } from '../../../src/channels/botkit/botkit-loader.js';
import type { App } from '../../../src/main.js';
import { postJson, startTestApp, tempDataDir } from '../../helpers/app.js';
import { customerActivity, FakeBotConnector } from './bot-connector.fake.js';

const { module: botkit, error: botkitError } = await loadBotkit();
if (!botkit) console.warn(`skipping the Botkit bridge tests: botkit cannot be loaded (${botkitError})`);

const log = pino({ level: 'silent' });
const classifier = {
  classify: (t: string) => (/\b(hi|hello)\b|你好/i.test(t) ? { intent: 'greeting', confidence: 0.99 } : { intent: 'oos', confidence: 0.1 }),
};
const CJK = /[\u3400-\u9fff]/u;

async function expectDeliveryError(promise: Promise<unknown>): Promise<DeliveryError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe.skipIf(!botkit)('the Botkit bridge inside a running Patron (Bot Framework adapter, fake connector)', () => {
  const connector = new FakeBotConnector();
  const data = tempDataDir('patron-botkit-');
  let app: App;
  let channel: BotkitChannel;
  let webhook: string;
  let n = 0;
  const say = (conversation: string, text: string, extra: Partial<Parameters<typeof customerActivity>[0]> = {}) =>
    postJson(webhook, customerActivity({ id: `act-${++n}`, text, conversation, serviceUrl: connector.url, ...extra }));

  beforeAll(async () => {
    await connector.start();
    let running: App | undefined;
    const built = await buildBotkitBridge({ name: 'bf', log, handle: (m) => running!.pipeline.handle(m) });
    channel = built!;
    app = await startTestApp({ DATA_DIR: data.dir }, {
      classifier,
      extraChannels: (a) => {
        running = a;
        return [channel.bridge];
      },
      extraRouters: () => ({ routers: channel.routes }),
    });
    webhook = `${app.url}/botkit/bf/messages`;
  });
  afterAll(async () => {
    await app?.stop();
    await connector.close();
    data.cleanup();
  });

  it('greets a customer who says "hi" in English, pushed through the outbox to the connector', async () => {
    const res = await say('conv-en', 'hi', { name: 'Ann' });
    expect(res.status).toBe(200);
    await connector.waitFor(() => connector.to('conv-en').length === 1);
    const [reply] = connector.to('conv-en');
    expect(reply.body.type).toBe('message');
    expect(reply.body.text).toMatch(/^(Hi|Hello)\b/);
    expect(reply.body.text).not.toMatch(CJK);
    expect(reply.replyTo).toBe(`act-${n}`);
  });

  it('greets a customer who says "你好" in Chinese', async () => {
    expect((await say('conv-zh', '你好')).status).toBe(200);
    await connector.waitFor(() => connector.to('conv-zh').length === 1);
    expect(connector.to('conv-zh')[0].body.text).toMatch(/您好/);
  });

  it('replies once when the platform delivers the same activity twice', async () => {
    const activity = customerActivity({ id: 'dup-1', text: 'hello', conversation: 'conv-dup', serviceUrl: connector.url });
    const first = await postJson(webhook, activity);
    const second = await postJson(webhook, activity);
    expect([first.status, second.status]).toEqual([200, 200]);
    await connector.waitFor(() => connector.to('conv-dup').length >= 1);
    await app.sender.wakeAll();
    await new Promise((r) => setTimeout(r, 300));
    expect(connector.to('conv-dup')).toHaveLength(1);
  });

  it('refuses a send to a conversation it has no reference for as a permanent failure', async () => {
    const err = await expectDeliveryError(channel.bridge.send('never-seen', { text: 'hello?' }));
    expect(err.failure).toBe('permanent');
    expect(err.message).toContain('never-seen');
  });

  it('shows quick replies as suggested actions and link buttons as text', async () => {
    await say('conv-buttons', 'something else');
    await connector.waitFor(() => connector.to('conv-buttons').length === 1);
    await channel.bridge.send('conv-buttons', {
      text: 'Pick one',
      quickReplies: [{ label: 'Orders', payload: 'intent:order_status' }, { label: 'Help' }],
      buttons: [{ label: 'Shop', url: 'https://shop.example/' }],
    });
    const sent = connector.to('conv-buttons')[1].body;
    expect(sent.text).toBe('Pick one\nShop: https://shop.example/');
    expect(sent.suggestedActions?.actions.map((a) => [a.title, a.value])).toEqual([['Orders', 'intent:order_status'], ['Help', 'Help']]);
  });

  it('maps connector 5xx to retry, 4xx to permanent and an unreachable service to retry', async () => {
    await say('conv-fail', 'x');
    await connector.waitFor(() => connector.to('conv-fail').length === 1);
    try {
      connector.failWith = 503;
      expect((await expectDeliveryError(channel.bridge.send('conv-fail', { text: 'a' }))).failure).toBe('retry');
      connector.failWith = 400;
      expect((await expectDeliveryError(channel.bridge.send('conv-fail', { text: 'b' }))).failure).toBe('permanent');
    } finally {
      connector.failWith = undefined;
    }
    // The reference follows the customer's latest message, here one from a service that is gone.
    const gone = await postJson(webhook, customerActivity({ id: 'gone-1', text: 'x', conversation: 'conv-gone', serviceUrl: 'http://127.0.0.1:9' }));
    expect(gone.status).toBe(200);
    expect((await expectDeliveryError(channel.bridge.send('conv-gone', { text: 'c' }))).failure).toBe('retry');
  });
});

describe.skipIf(!botkit)('the Botkit bridge on its own', () => {
  it('answers 500 when the turn cannot be committed, so the platform delivers it again', async () => {
    const built = (await buildBotkitBridge({ name: 'failing', log, handle: async () => { throw new Error('database down'); } }))!;
    await built.bridge.start();
    const app = express();
    app.use(express.json());
    for (const r of built.routes) app.use(r);
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/botkit/failing/messages`;
      const res = await postJson(url, customerActivity({ id: 'f-1', text: 'hi', conversation: 'c', serviceUrl: 'http://127.0.0.1:9' }));
      expect(res.status).toBe(500);
    } finally {
      await built.bridge.stop();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('reads button presses (postback values) as the payload', () => {
    const m = activityToInbound(
      { type: 'message', id: 'p1', conversation: { id: 'c1' }, from: { id: 'u1', name: 'Bo' }, value: 'intent:help', locale: 'zh-CN' },
      'botkit:bf',
    );
    expect(m).toMatchObject({ id: 'p1', channel: 'botkit:bf', conversation: 'c1', sender: { id: 'u1', name: 'Bo' }, payload: 'intent:help', locale: 'zh-CN' });
    expect(m?.text).toBeUndefined();
  });

  it('builds the web adapter bridge only when botbuilder-adapter-web is installed, else logs why', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
    const web = await createWebAdapterBridge({ name: 'web', log: capture, handle: async () => { throw new Error('unused'); } });
    if (web) {
      await web.bridge.start();
      expect(web.bridge.id).toBe('botkit:web');
      await web.bridge.stop();
    } else {
      expect(lines.join('')).toContain('botbuilder-adapter-web');
    }
  });
});
