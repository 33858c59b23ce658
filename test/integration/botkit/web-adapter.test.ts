import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { DeliveryError } from '../../../src/channels/channel-adapter.js';
import { createWebAdapterBridge, type BotkitChannel } from '../../../src/channels/botkit/botkit.channel.js';
import { loadBotkit, loadOptionalExport } from '../../../src/channels/botkit/botkit-loader.js';
import type { App } from '../../../src/main.js';
import { postJson, startTestApp, tempDataDir } from '../../helpers/app.js';

const { module: botkit } = await loadBotkit();
const { value: webAdapter, error: webError } = await loadOptionalExport<unknown>('botbuilder-adapter-web', 'WebAdapter');
if (!botkit || !webAdapter) console.warn(`skipping the Botkit web adapter tests: botkit or botbuilder-adapter-web cannot be loaded (${webError ?? 'botkit'})`);

const log = pino({ level: 'silent' });
const classifier = {
  classify: (t: string) => (/\b(hi|hello)\b|你好/i.test(t) ? { intent: 'greeting', confidence: 0.99 } : { intent: 'oos', confidence: 0.1 }),
};
const CJK = /[\u3400-\u9fff]/u;
const HEARTBEAT_MS = 30_000;

interface SocketReply {
  type: string;
  text?: string;
  quick_replies?: Array<{ title: string; payload: string }>;
  [key: string]: unknown;
}

/** A client speaking the web adapter's socket format, as its own `client.js` does. */
class WebClient {
  readonly received: SocketReply[] = [];
  private constructor(readonly ws: WebSocket, readonly user: string) {
    ws.on('message', (data) => this.received.push(JSON.parse(String(data)) as SocketReply));
  }

  static async connect(url: string, user: string): Promise<WebClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const client = new WebClient(ws, user);
    // client.js announces itself first; that registers the socket under `user` in the adapter.
    client.send({ type: 'hello', user, channel: 'socket', user_profile: null });
    return client;
  }

  send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  say(text: string, extra: Record<string, unknown> = {}): void {
    this.send({ type: 'message', text, user: this.user, channel: 'socket', ...extra });
  }

  async waitFor(test: (received: SocketReply[]) => boolean, timeoutMs = 5_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!test(this.received)) {
      if (Date.now() > until) throw new Error(`web client ${this.user}: condition not met in ${timeoutMs} ms; received ${JSON.stringify(this.received)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((r) => this.ws.once('close', () => r()));
    this.ws.close();
    await closed;
  }
}

describe.skipIf(!botkit || !webAdapter)('the Botkit web adapter bridge inside a running Patron (real WebAdapter, socket clients)', () => {
  const data = tempDataDir('patron-botkit-web-');
  const clients: WebClient[] = [];
  let app: App;
  let channel: BotkitChannel;
  let socketUrl: string;
  let heartbeat: NodeJS.Timeout | undefined;
  const clearSpy = vi.spyOn(globalThis, 'clearInterval');
  const connect = async (user: string) => {
    const client = await WebClient.connect(socketUrl, user);
    clients.push(client);
    return client;
  };
  const settle = async () => {
    await app.sender.wakeAll();
    await new Promise((r) => setTimeout(r, 300));
  };

  beforeAll(async () => {
    // The adapter starts its heartbeat with a bare setInterval: watch for it while the bridge is built.
    const setSpy = vi.spyOn(globalThis, 'setInterval');
    let running: App | undefined;
    try {
      channel = (await createWebAdapterBridge({ name: 'web', log, handle: (m) => running!.pipeline.handle(m) }))!;
      const i = setSpy.mock.calls.findIndex((call) => call[1] === HEARTBEAT_MS);
      heartbeat = i >= 0 ? (setSpy.mock.results[i].value as NodeJS.Timeout) : undefined;
    } finally {
      setSpy.mockRestore();
    }
    app = await startTestApp({ DATA_DIR: data.dir }, {
      classifier,
      extraChannels: (a) => {
        running = a;
        return [channel.bridge];
      },
      extraRouters: () => ({ routers: channel.routes }),
    });
    channel.bridge.attachWebSocket(app.server!);
    socketUrl = `${app.url!.replace(/^http/, 'ws')}/botkit/web/ws`;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await app?.stop();
    clearSpy.mockRestore();
    data.cleanup();
  });

  it('is built over the real WebAdapter with an unref\'d 30 s heartbeat and a socket but no webhook route', async () => {
    expect(channel.bridge.controller.adapter.name).toBe('Web Adapter');
    expect(channel.bridge.controller.adapter.wss).toBeDefined();
    expect(heartbeat).toBeDefined();
    expect(heartbeat!.hasRef()).toBe(false);
    expect(channel.routes).toEqual([]);
    expect((await postJson(`${app.url}/botkit/web/messages`, { type: 'message', text: 'hi', user: 'u-hook', channel: 'webhook' })).status).toBe(404);
    expect(channel.bridge.attachWebSocket(app.server!)).toBe(channel.bridge.attachWebSocket(app.server!));
  });

  it('greets a client who says "hi" in English, pushed from the outbox to its socket', async () => {
    const client = await connect('user-en');
    client.say('hi', { id: 'm-1' });
    await client.waitFor((r) => r.length === 1);
    const [reply] = client.received;
    expect(reply.type).toBe('message');
    expect(reply.text).toMatch(/^(Hi|Hello)\b/);
    expect(reply.text).not.toMatch(CJK);
    expect(channel.bridge.knows('user-en')).toBe(true);
  });

  it('greets a client who says "你好" in Chinese', async () => {
    const client = await connect('user-zh');
    client.say('你好', { id: 'm-1' });
    await client.waitFor((r) => r.length === 1);
    expect(client.received[0].text).toMatch(/您好/);
  });

  it('replies once when a client resends a message with the same id', async () => {
    const client = await connect('user-dup');
    client.say('hello', { id: 'dup-1' });
    client.say('hello', { id: 'dup-1' });
    await client.waitFor((r) => r.length >= 1);
    await settle();
    expect(client.received).toHaveLength(1);
    // Without an id nothing can be recognised as a resend: each message is answered.
    client.say('hello');
    client.say('hello');
    await client.waitFor((r) => r.length === 3);
  });

  it('keeps message ids per client, so two clients counting from 1 are both answered', async () => {
    const [a, b] = await Promise.all([connect('user-a'), connect('user-b')]);
    a.say('hi', { id: '1' });
    b.say('hi', { id: '1' });
    await a.waitFor((r) => r.length === 1);
    await b.waitFor((r) => r.length === 1);
  });

  it('renders quick replies for the web client and refuses clients that are gone (retry) or never seen (permanent)', async () => {
    const client = await connect('user-gone');
    client.say('something else', { id: 'q-1' });
    await client.waitFor((r) => r.length === 1);
    await channel.bridge.send('user-gone', { text: 'Pick one', quickReplies: [{ label: 'Orders', payload: 'intent:order_status' }] });
    await client.waitFor((r) => r.length === 2);
    expect(client.received[1]).toMatchObject({ type: 'message', text: 'Pick one', quick_replies: [{ title: 'Orders', payload: 'intent:order_status' }] });

    await client.close();
    await new Promise((r) => setTimeout(r, 50));
    const gone = await channel.bridge.send('user-gone', { text: 'still there?' }).then(() => undefined, (e: unknown) => e);
    expect(gone).toBeInstanceOf(DeliveryError);
    expect((gone as DeliveryError).failure).toBe('retry');
    const never = await channel.bridge.send('never-seen', { text: 'hello?' }).then(() => undefined, (e: unknown) => e);
    expect((never as DeliveryError).failure).toBe('permanent');
  });

  it('ignores messages without a usable user and keeps serving the socket', async () => {
    const client = await connect('user-odd');
    client.send({ type: 'message', text: 'hi', user: { id: 'x' }, channel: 'socket' });
    client.send({ type: 'message', text: 'hi', channel: 'socket' });
    client.say('hi', { id: 'after-odd' });
    await client.waitFor((r) => r.length === 1);
    await settle();
    expect(client.received).toHaveLength(1);
  });

  it('on app.stop() closes the sockets and clears the heartbeat, so no timer keeps the process alive', async () => {
    const client = await connect('user-last');
    const closed = new Promise<void>((r) => client.ws.once('close', () => r()));
    await app.stop();
    await closed;
    expect(clearSpy).toHaveBeenCalledWith(heartbeat);
    expect(channel.bridge.health()).toEqual({ ok: false, detail: 'stopped' });
    expect(channel.bridge.controller.adapter.wss.clients.size).toBe(0);
  });
});
