import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Client, type Frame } from './ws-client.js';
import { attachWebchatSocket, webchatSocketOf, type WebchatSocket } from '../../../src/channels/webchat/webchat-socket.js';
import { loadBuiltInEngine } from '../../../src/flows/nlu/built-in.js';
import type { App } from '../../../src/main.js';
import { startTestApp, tempDataDir } from '../../helpers/app.js';

const data = tempDataDir();
let app: App;
let socket: WebchatSocket;
const clients: Client[] = [];
const connect = async () => {
  const c = await Client.open(app.url!);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  // The built-in model cached in the OS temp folder: trained once, loaded in milliseconds after.
  const classifier = await loadBuiltInEngine({ cachePath: join(tmpdir(), 'patron-nlu', 'nlu-model.json') });
  app = await startTestApp({ DATA_DIR: data.dir }, { classifier });
  // Once main.ts attaches the endpoint itself, replace it with one that pings fast.
  await webchatSocketOf(app.server!)?.close();
  socket = attachWebchatSocket(app.server!, app.webchat, { conversations: app.repos.conversations, transcripts: app.repos.transcripts, log: app.log, heartbeatMs: 200 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await socket?.close();
  await app?.stop();
  data.cleanup();
});

const inboundRows = async (sessionToken: string) => {
  const conversation = await app.repos.conversations.findByExternal('webchat', sessionToken.split('.')[0]);
  return app.store.db.selectFrom('inbound_messages').selectAll().where('conversation_id', '=', conversation!.id).execute();
};

describe('web chat over WebSocket', () => {
  it('answers hello with a new signed session', async () => {
    const c = await connect();
    const sessionId = await c.hello(undefined, 'en');
    expect(sessionId).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(c.frames.at(-1)).toEqual({ type: 'session', sessionId, locale: 'en' });
  });

  it('acks a message, shows typing, replies with quick replies, then stops typing', async () => {
    const c = await connect();
    await c.hello();
    const frames = await c.say('m1', { text: 'hi' });
    expect(frames.map((f) => f.type)).toEqual(['ack', 'typing', 'reply', 'typing']);
    expect(frames[0]).toEqual({ type: 'ack', clientMessageId: 'm1' });
    expect(frames[1]).toMatchObject({ on: true, inReplyTo: 'm1' });
    expect(frames[2].inReplyTo).toBe('m1');
    expect(frames[2].message.text).toMatch(/hi|hello/i);
    expect(frames[2].message.quickReplies.length).toBeGreaterThan(3);
    expect(frames[3]).toMatchObject({ on: false, inReplyTo: 'm1' });
  });

  it('answers a pressed button payload and replies in Chinese to 你好', async () => {
    const c = await connect();
    await c.hello();
    const menu = await c.say('p1', { payload: 'intent:help' });
    expect(menu.find((f) => f.type === 'reply')!.message.quickReplies.length).toBeGreaterThan(3);
    const zh = await c.say('z1', { text: '你好', locale: 'zh-CN' });
    const reply = zh.find((f) => f.type === 'reply')!;
    expect(reply.locale).toBe('zh-CN');
    expect(reply.message.text).toMatch(/您好|你好/);
  });

  it('replays the first replies when a message is resent after a reconnect, storing it once', async () => {
    const first = await connect();
    const sessionId = await first.hello();
    const original = (await first.say('r1', { text: 'what can you do?' })).filter((f) => f.type === 'reply');
    await first.close();
    const second = await connect();
    expect(await second.hello(sessionId)).toBe(sessionId);
    const again = (await second.say('r1', { text: 'what can you do?' })).filter((f) => f.type === 'reply');
    expect(again.map((f) => f.message)).toEqual(original.map((f) => f.message));
    expect(await inboundRows(sessionId)).toHaveLength(1);
  });

  it('answers a resend that races the first delivery once', async () => {
    const c = await connect();
    const sessionId = await c.hello();
    const other = await connect();
    await other.hello(sessionId);
    const [a, b] = await Promise.all([c.say('race', { text: 'thanks' }), other.say('race', { text: 'thanks' })]);
    expect(a.filter((f) => f.type === 'reply').map((f) => f.message)).toEqual(b.filter((f) => f.type === 'reply').map((f) => f.message));
    expect(await inboundRows(sessionId)).toHaveLength(1);
  });

  it('answers bad JSON, unknown types, invalid and oversized frames with errors and keeps the socket open', async () => {
    const c = await connect();
    await c.hello();
    const cases: Array<[unknown, string]> = [
      ['{"type": ', 'bad_json'],
      ['[1,2]', 'bad_frame'],
      [{ type: 'shout', text: 'hi' }, 'unknown_type'],
      [{ type: 'message', clientMessageId: 'e1', text: '   ' }, 'bad_frame'],
      [{ type: 'message', clientMessageId: 'e2', text: 'a'.repeat(4001) }, 'bad_frame'],
      [{ type: 'message', text: 'no id' }, 'bad_frame'],
      [{ type: 'hello', locale: 'fr' }, 'bad_frame'],
      [JSON.stringify({ type: 'message', clientMessageId: 'big', text: 'x'.repeat(17 * 1024) }), 'too_large'],
    ];
    for (const [frame, code] of cases) {
      const from = c.frames.length;
      c.send(frame);
      const error = await c.next((f) => f.type === 'error', from);
      expect(error.code, JSON.stringify(frame).slice(0, 60)).toBe(code);
      expect(error.message).toBeTruthy();
    }
    expect(c.frames.find((f) => f.clientMessageId === 'e1' && f.type === 'error')).toBeDefined();
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect((await c.say('ok', { text: 'hello' })).some((f) => f.type === 'reply')).toBe(true);
  });

  it('refuses a forged session and starts a new one', async () => {
    const c = await connect();
    const from = c.frames.length;
    const sessionId = await c.hello('abc.def');
    expect(c.frames.slice(from).map((f) => f.type)).toEqual(['error', 'session']);
    expect(c.frames[from].code).toBe('unauthorized');
    expect(sessionId).not.toBe('abc.def');
    expect(app.webchat.sessionId(sessionId)).toBeTruthy();
  });

  it('restores the transcript with history after a reload', async () => {
    const first = await connect();
    const sessionId = await first.hello();
    await first.say('h1', { text: 'hi' });
    await first.say('h2', { text: 'thanks' });
    await first.close();
    const reloaded = await connect();
    await reloaded.hello(sessionId);
    const from = reloaded.frames.length;
    reloaded.send({ type: 'history' });
    const history = await reloaded.next((f) => f.type === 'history', from);
    expect(history.messages.filter((m: Frame) => m.direction === 'in').map((m: Frame) => m.text)).toEqual(['hi', 'thanks']);
    expect(history.messages.filter((m: Frame) => m.direction === 'out').length).toBeGreaterThanOrEqual(2);
  });

  it('pushes a message sent to the session by an agent or campaign', async () => {
    const c = await connect();
    const sessionId = await c.hello();
    const from = c.frames.length;
    await app.webchat.send(sessionId.split('.')[0], { text: 'An agent here: your parcel left today.' });
    const push = await c.next((f) => f.type === 'push', from);
    expect(push.message).toEqual({ text: 'An agent here: your parcel left today.' });
  });

  it('terminates a socket that stops answering pings', async () => {
    const c = await connect();
    await c.hello();
    const before = socket.clients();
    // Pausing the stream stops this client from answering pings.
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    await expect.poll(() => socket.clients(), { timeout: 5_000 }).toBeLessThan(before);
    c.ws.terminate();
    await closed;
  });

  it('keeps the first endpoint when attached to the same server twice', () => {
    expect(attachWebchatSocket(app.server!, app.webchat, { conversations: app.repos.conversations, transcripts: app.repos.transcripts, log: app.log })).toBe(socket);
  });

  it('leaves other upgrade paths alone and answers them 404 when nobody serves them', async () => {
    const ws = new WebSocket(`${app.url!.replace(/^http/, 'ws')}/elsewhere`);
    const status = await new Promise<number>((r) => ws.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0)).once('error', () => r(-1)));
    expect(status).toBe(404);
  });
});
