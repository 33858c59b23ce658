import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/main.js';
import { getJson, postJson, startTestApp } from '../../helpers/app.js';
import { freshDatabase, requirePostgres, requireRedis } from '../../setup/servers.js';

// Two app instances sharing one PostgreSQL database and one Redis: the scale-out set-up.
const available = Boolean(requirePostgres() && requireRedis());
let a: App;
let b: App;

beforeAll(async () => {
  if (!available) return;
  const env = { DATABASE_URL: await freshDatabase('server_mode'), REDIS_URL: requireRedis()!, DATA_DIR: '/nonexistent-not-used' };
  a = await startTestApp(env);
  b = await startTestApp(env);
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

describe.skipIf(!available)('two instances on PostgreSQL + Redis', () => {
  it('runs on the server stores and answers in both languages', async () => {
    expect(a.store.kind).toBe('postgres');
    expect(a.coordination.kind).toBe('redis');
    const hi = await postJson(`${a.url}/chat/messages`, { text: 'hi' });
    expect(hi.body.replies[0].text).toMatch(/hi|hello/i);
    const zh = await postJson(`${b.url}/chat/messages`, { text: '你好', sessionId: hi.body.sessionId });
    expect(zh.body.replies[0].text).toMatch(/您好/);
  });

  it('answers a message delivered to both instances at once exactly once', async () => {
    const first = await postJson(`${a.url}/chat/messages`, { text: 'hello' });
    const sessionId = first.body.sessionId;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => postJson(`${(i % 2 ? a : b).url}/chat/messages`, { sessionId, text: 'thanks!', clientMessageId: 'dup-1' })),
    );
    for (const r of results) expect(r.status).toBe(200);
    const replies = results.map((r) => JSON.stringify(r.body.replies));
    expect(new Set(replies).size).toBe(1);
    const history = await getJson(`${b.url}/chat/history?sessionId=${encodeURIComponent(sessionId)}`);
    expect(history.messages.filter((m: { text: string; direction: string }) => m.direction === 'in' && m.text === 'thanks!')).toHaveLength(1);
  });

  it('sees an agent take-over made through the other instance at once', async () => {
    const first = await postJson(`${a.url}/chat/messages`, { text: 'hi' });
    const conversation = await a.repos.conversations.findByExternal('webchat', first.body.sessionId.split('.')[0]);
    expect(await a.repos.conversations.transferOwner(conversation!.id, ['bot'], 'agent', 'agent-1')).toBeDefined();
    const held = await postJson(`${b.url}/chat/messages`, { sessionId: first.body.sessionId, text: 'hello?' });
    expect(held.body.replies).toEqual([]);
    const heldToo = await postJson(`${a.url}/chat/messages`, { sessionId: first.body.sessionId, text: 'anyone?' });
    expect(heldToo.body.replies).toEqual([]);
  });

  it('reports both stores on /readyz', async () => {
    const ready = await getJson(`${b.url}/readyz`);
    expect(ready.checks).toMatchObject({ database: { ok: true, detail: 'postgres' }, coordination: { ok: true, detail: 'redis' } });
  });
});
