import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/main.js';
import { startTestApp } from '../../helpers/app.js';
import { freshDatabase, requirePostgres, requireRedis } from '../../setup/servers.js';
import { Client } from './ws-client.js';

// Two instances behind a load balancer: the visitor's socket on one, the agent on the other.
const available = Boolean(requirePostgres() && requireRedis());
let a: App;
let b: App;
const clients: Client[] = [];

beforeAll(async () => {
  if (!available) return;
  const env = { DATABASE_URL: await freshDatabase('webchat_push'), REDIS_URL: requireRedis()!, ADMIN_TOKEN: 'admin-token-for-webchat-push' };
  a = await startTestApp(env);
  b = await startTestApp(env);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await a?.stop();
  await b?.stop();
});

async function api(app: App, method: string, path: string, token: string, body?: unknown): Promise<number> {
  const res = await fetch(`${app.url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

describe.skipIf(!available)('web chat pushes across two instances (PostgreSQL + Redis)', () => {
  it("delivers an agent's message to the visitor's socket on the other instance, once", async () => {
    const visitor = await Client.open(b.url!);
    clients.push(visitor);
    const token = await visitor.hello(undefined, 'en');
    await visitor.say('m1', { text: 'hello' });
    const conversation = (await b.repos.conversations.findByExternal('webchat', token.split('.')[0]))!;
    const agent = await a.staff.create({ name: 'Lin', role: 'agent' });
    expect(await api(a, 'POST', `/api/conversations/${conversation.id}/claim`, agent.token)).toBe(200);
    const from = visitor.frames.length;
    expect(await api(a, 'POST', `/api/conversations/${conversation.id}/messages`, agent.token, { text: 'Lin here, how can I help?' })).toBe(202);
    const push = await visitor.next((f) => f.type === 'push' && f.message?.text === 'Lin here, how can I help?', from);
    expect(push.message.text).toBe('Lin here, how can I help?');
    // Give a duplicate time to show up: it must not.
    await new Promise((r) => setTimeout(r, 500));
    expect(visitor.frames.slice(from).filter((f) => f.type === 'push' && f.message?.text === 'Lin here, how can I help?')).toHaveLength(1);
  });

  it('also reaches sockets on both instances for the same session', async () => {
    const first = await Client.open(a.url!);
    clients.push(first);
    const token = await first.hello(undefined, 'en');
    await first.say('m1', { text: 'hi' });
    const second = await Client.open(b.url!);
    clients.push(second);
    await second.hello(token, 'en');
    const [fromA, fromB] = [first.frames.length, second.frames.length];
    await b.webchat.send(token.split('.')[0], { text: 'Your parcel left today.' });
    await first.next((f) => f.type === 'push' && f.message?.text === 'Your parcel left today.', fromA);
    await second.next((f) => f.type === 'push' && f.message?.text === 'Your parcel left today.', fromB);
  });
});
