/**
 * A flooding web chat sender gets 429 with Retry-After (HTTP) or a `rate_limited` error frame
 * (WebSocket), nothing of the refused messages is recorded, and the buckets live in the
 * Coordination store so every instance shares them. The app here is wired the way main.ts should
 * be (see the wiring lines in src/http/rate-limit.ts's report).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachWebchatSocket } from '../../src/channels/webchat/webchat-socket.js';
import { silentLogger } from '../../src/core/logger.js';
import { createHttpApp } from '../../src/http/app.js';
import { ChatRateLimiter, chatRateLimit, rateLimitedWebchat } from '../../src/http/rate-limit.js';
import { webchatRoutes } from '../../src/http/routes/webchat.routes.js';
import type { App } from '../../src/main.js';
import { startTestApp, tempDataDir } from '../helpers/app.js';
import { keywordClassifier } from './security-kit.js';

const PER_SESSION = 5;
const PER_IP = 12;

let app: App;
let server: Server;
let url: string;
let cleanup: () => void;

beforeAll(async () => {
  const data = tempDataDir('patron-ratelimit-');
  cleanup = data.cleanup;
  app = await startTestApp({ DATA_DIR: data.dir, DEMO_DATA: 'false' }, { classifier: keywordClassifier, http: false });
  const limiter = new ChatRateLimiter(app.coordination, { perSession: { points: PER_SESSION, durationMs: 10_000 }, perIp: { points: PER_IP, durationMs: 10_000 } });
  const http = createHttpApp({
    log: silentLogger, metrics: app.metrics, readiness: [],
    routers: [chatRateLimit(limiter, app.webchat), webchatRoutes(app.webchat, app.repos.conversations, app.repos.transcripts)],
  });
  server = createServer(http);
  attachWebchatSocket(server, rateLimitedWebchat(app.webchat, limiter), { conversations: app.repos.conversations, transcripts: app.repos.transcripts, log: silentLogger, messagesPer10s: 1000 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await app?.stop();
  cleanup?.();
});

const inbound = async () => Number((await app.store.db.selectFrom('inbound_messages').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

async function send(body: Record<string, unknown>, ip = '127.0.0.1') {
  const res = await fetch(`${url}/chat/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any, retryAfter: res.headers.get('retry-after') };
}

describe('rate limiting a flooding web chat sender', () => {
  it('answers 429 with Retry-After and a JSON error once a session used its budget, and records nothing refused', async () => {
    const first = await send({ text: 'hello' });
    expect(first.status).toBe(200);
    const session = first.body.sessionId;
    // The message that opened the session counted against the address only; the session's own budget starts now.
    for (let i = 0; i < PER_SESSION; i++) expect((await send({ text: `hello ${i}`, sessionId: session })).status).toBe(200);
    const before = await inbound();
    const refused = await send({ text: 'one too many', sessionId: session });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(typeof refused.body.error.message).toBe('string');
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(10);
    expect(await inbound()).toBe(before);
    // Another visitor is not affected.
    expect((await send({ text: 'hello' })).status).toBe(200);
  });

  it('limits an address that starts a new session for every message (loopback is a trusted proxy, so X-Forwarded-For names the client)', async () => {
    const ip = '203.0.113.7';
    const statuses: number[] = [];
    for (let i = 0; i < PER_IP + 3; i++) statuses.push((await send({ text: `flood ${i}` }, ip)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(PER_IP);
    expect(statuses.slice(PER_IP)).toEqual([429, 429, 429]);
    expect((await send({ text: 'hello' }, '203.0.113.8')).status).toBe(200);
  });

  it('shares a session\'s budget between the WebSocket and HTTP: the socket gets rate_limited frames', async () => {
    const start = await send({ text: 'hello' }, '198.51.100.1');
    const session = start.body.sessionId as string;
    const ws = new WebSocket(`${url.replace('http', 'ws')}/chat/ws`);
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const frames: any[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    ws.send(JSON.stringify({ type: 'hello', sessionId: session }));
    for (let i = 0; i < PER_SESSION + 2; i++) ws.send(JSON.stringify({ type: 'message', clientMessageId: `m${i}`, text: `ws ${i}` }));
    const deadline = Date.now() + 10_000;
    while (frames.filter((f) => f.type === 'typing' && !f.on).length < PER_SESSION + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    ws.close();
    const limited = frames.filter((f) => f.type === 'error' && f.code === 'rate_limited');
    expect(limited.map((f) => f.clientMessageId)).toEqual([`m${PER_SESSION}`, `m${PER_SESSION + 1}`]);
    expect(frames.filter((f) => f.type === 'reply').length).toBeGreaterThan(0);
    expect((await send({ text: 'still here?', sessionId: session }, '198.51.100.2')).status).toBe(429);
  });

  it('keeps the buckets in the Coordination store, so a second instance sees the same counts', async () => {
    const limiterA = new ChatRateLimiter(app.coordination, { perSession: { points: 2, durationMs: 10_000 }, prefix: 'rl:shared-test' });
    const limiterB = new ChatRateLimiter(app.coordination, { perSession: { points: 2, durationMs: 10_000 }, prefix: 'rl:shared-test' });
    await limiterA.checkSession('s1');
    await limiterB.checkSession('s1');
    await expect(limiterA.checkSession('s1')).rejects.toMatchObject({ code: 'rate_limited', status: 429 });
  });
});
