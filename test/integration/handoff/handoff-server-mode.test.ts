import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, requirePostgres, requireRedis } from '../../setup/servers.js';
import { call, customerSays, eventually, startWorkspace, type Workspace } from './workspace.js';

// Two instances sharing one PostgreSQL database and one Redis, each with its own workspace wiring.
const available = Boolean(requirePostgres() && requireRedis());
const ADMIN = 'admin-token-for-handoff-server-mode';
let a: Workspace;
let b: Workspace;
const agents: Array<{ id: string; token: string; name: string }> = [];

beforeAll(async () => {
  if (!available) return;
  const env = { DATABASE_URL: await freshDatabase('handoff_server_mode'), REDIS_URL: requireRedis()!, DATA_DIR: '/nonexistent-not-used', ADMIN_TOKEN: ADMIN };
  a = await startWorkspace(env);
  b = await startWorkspace(env);
  for (let i = 0; i < 10; i++) agents.push({ name: `Agent${i}`, ...(await a.app.staff.create({ name: `Agent${i}`, role: 'agent' })) });
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

describe.skipIf(!available)('hand-off across two instances on PostgreSQL + Redis', () => {
  it('lets exactly one of ten concurrent claims spread over both instances win', async () => {
    await customerSays(a.app, 'srv-race', 'I want a human');
    const conv = (await a.app.repos.conversations.findByExternal('fake', 'srv-race'))!;
    expect(conv.owner).toBe('queue');
    const results = await Promise.all(agents.map((ag, i) => call('POST', `${(i % 2 ? a : b).app.url}/api/conversations/${conv.id}/claim`, ag.token)));
    expect(results.map((r) => r.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    const winner = agents[results.findIndex((r) => r.status === 200)];
    const requests = await a.app.store.db.selectFrom('handoff_requests').selectAll().where('conversation_id', '=', conv.id).execute();
    expect(requests).toEqual([expect.objectContaining({ status: 'claimed', claimed_by: winner.id })]);
  });

  it('keeps the bot silent on one instance after a claim on the other, and answers again after hand-back', async () => {
    await customerSays(a.app, 'srv-back', 'hello');
    const conv = (await a.app.repos.conversations.findByExternal('fake', 'srv-back'))!;
    expect((await call('POST', `${a.app.url}/api/conversations/${conv.id}/claim`, agents[0].token)).status).toBe(200);
    expect((await customerSays(b.app, 'srv-back', 'hi again')).replies).toEqual([]);
    expect((await call('POST', `${b.app.url}/api/conversations/${conv.id}/messages`, agents[0].token, { text: 'Agent0 here' })).status).toBe(202);
    await eventually(() => expect([...a.fake.to('srv-back'), ...b.fake.to('srv-back')].map((m) => m.text)).toContain('Agent0 here'));
    expect((await call('POST', `${b.app.url}/api/conversations/${conv.id}/handback`, agents[0].token)).status).toBe(200);
    expect((await customerSays(a.app, 'srv-back', 'hi')).replies.length).toBeGreaterThan(0);
  });

  it('sends live events from one instance to consoles on the other (Redis pub/sub)', async () => {
    const seen: string[] = [];
    const unsubscribe = await b.app.coordination.subscribe('agents', (m) => seen.push(JSON.parse(m).type));
    await customerSays(a.app, 'srv-live', 'hello');
    const conv = (await a.app.repos.conversations.findByExternal('fake', 'srv-live'))!;
    await call('POST', `${a.app.url}/api/conversations/${conv.id}/claim`, agents[1].token);
    await eventually(() => expect(seen).toContain('conversation.claimed'));
    await unsubscribe();
  });
});
