import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Translator } from '../../../src/core/i18n.js';
import { newId } from '../../../src/core/ids.js';
import { HandoffQueueService } from '../../../src/crm/handoff/handoff-queue.service.js';
import { postJson, tempDataDir } from '../../helpers/app.js';
import { call, customerSays, eventually, RecordingChannel, startWorkspace, type Workspace } from './workspace.js';

const data = tempDataDir('patron-handoff-');
const ADMIN = 'admin-token-for-handoff-tests-0123';
let w: Workspace;
let url: string;
const agents: Array<{ id: string; token: string; name: string }> = [];
let marketer: string;

beforeAll(async () => {
  w = await startWorkspace({ DATA_DIR: data.dir, ADMIN_TOKEN: ADMIN });
  url = `${w.app.url}/api`;
  for (const name of ['Mia', 'Ola', 'Kai', 'Lin', 'Sam', 'Ana', 'Bo', 'Eve', 'Ida', 'Jo']) agents.push({ name, ...(await w.app.staff.create({ name, role: 'agent' })) });
  marketer = (await w.app.staff.create({ name: 'Max', role: 'marketer' })).token;
});
afterAll(async () => {
  await w?.stop();
  data.cleanup();
});

const mia = () => agents[0];
const conversationOf = async (external: string, channel = 'fake') => (await w.app.repos.conversations.findByExternal(channel, external))!;
const outboxOf = (conversationId: string) =>
  w.app.store.db.selectFrom('outbox').select(['id', 'kind', 'status', 'author', 'message']).where('conversation_id', '=', conversationId).orderBy('id').execute();

describe('ownership invariant under concurrency', () => {
  it('never delivers a bot reply that was already in flight when the agent took over', async () => {
    // Channel "late" is not running yet, so the committed reply waits in the outbox as pending.
    const turn = await w.app.pipeline.handle({ id: newId(), channel: 'late', conversation: 'late-1', sender: { id: 'late-user' }, text: 'hi there', attachments: [], receivedAt: new Date() });
    expect(turn.replies.length).toBeGreaterThan(0);
    const rows = await outboxOf(turn.conversationId);
    expect(rows.filter((r) => r.kind === 'reply').map((r) => r.status)).toEqual(expect.arrayContaining(['pending']));
    expect((await call('POST', `${url}/conversations/${turn.conversationId}/claim`, mia().token)).status).toBe(200);
    const late = new RecordingChannel('late');
    w.app.channels.add(late);
    await w.app.sender.drain(2000);
    const after = await outboxOf(turn.conversationId);
    expect(after.filter((r) => r.kind === 'reply').every((r) => r.status === 'suppressed')).toBe(true);
    const delivered = late.sent.map((s) => s.message.text);
    expect(delivered).toEqual(["You're now talking to Mia from our team."]);
  });

  it('never produces a bot reply after the claim when a customer message races it', async () => {
    const runs = Array.from({ length: 8 }, (_, i) => `race-${i}`);
    for (const c of runs) await customerSays(w.app, c, 'hello'); // creates the conversations (bot-owned)
    await w.app.sender.drain(2000);
    const violations: string[] = [];
    await Promise.all(
      runs.map(async (c, i) => {
        const conv = await conversationOf(c);
        const agent = agents[i % agents.length];
        const claimDone = call('POST', `${url}/conversations/${conv.id}/claim`, agent.token).then((r) => ({ r, at: performance.now() }));
        const [claim] = await Promise.all([claimDone, customerSays(w.app, c, 'hello again')]);
        expect(claim.r.status).toBe(200);
        await w.app.sender.drain(1000);
        const rows = await outboxOf(conv.id);
        const notice = rows.find((r) => r.kind === 'system' && r.message.text.includes('talking to'))!;
        for (const r of rows) if (r.kind === 'reply' && Number(r.id) > Number(notice.id) && r.status !== 'suppressed') violations.push(`${c}: reply ${r.id} ${r.status} after the claim`);
        for (const s of w.fake.sent) if (s.conversation === c && s.at > claim.at && !/talking to/.test(s.message.text)) violations.push(`${c}: "${s.message.text}" delivered after the claim`);
      }),
    );
    expect(violations).toEqual([]);
  });

  it('lets exactly one of ten concurrent claims win; the others get 409', async () => {
    await customerSays(w.app, 'claim-race', 'I want a human');
    const conv = await conversationOf('claim-race');
    expect(conv.owner).toBe('queue');
    const results = await Promise.all(agents.map((a) => call('POST', `${url}/conversations/${conv.id}/claim`, a.token)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(409)]);
    const winner = agents[results.findIndex((r) => r.status === 200)];
    expect((await conversationOf('claim-race')).agent_id).toBe(winner.id);
    expect(results.find((r) => r.status === 409)!.body.error.message).toMatch(new RegExp(`held by agent ${winner.name}`));
    const requests = await w.app.store.db.selectFrom('handoff_requests').selectAll().where('conversation_id', '=', conv.id).execute();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ status: 'claimed', claimed_by: winner.id });
  });
});

describe('hand-off lifecycle', () => {
  it('writes a staff member’s claim to the audit log with the claim itself: no claim without its audit row', async () => {
    await customerSays(w.app, 'audit-1', 'hello');
    const conv = await conversationOf('audit-1');
    const app = w.app;
    const failing = new HandoffQueueService({
      db: app.store.db, translator: Translator.fromConfig(app.config.configDir), coordination: app.coordination,
      wake: () => {}, invalidate: () => {}, audit: async () => { throw new Error('audit log down'); },
    });
    await expect(failing.claim(conv.id, { id: mia().id, name: mia().name, role: 'agent' })).rejects.toThrow(/audit log down/);
    expect((await conversationOf('audit-1')).owner).toBe('bot');
    expect((await outboxOf(conv.id)).filter((r) => r.kind === 'system')).toEqual([]);
    // Through the API: claimed and audited, once.
    expect((await call('POST', `${url}/conversations/${conv.id}/claim`, mia().token)).status).toBe(200);
    const trail = await app.staff.auditTrail({ customerId: conv.customer_id });
    expect(trail.filter((t) => t.action === 'conversation.claim').map((t) => t.actor_name)).toEqual(['Mia']);
    expect((await call('POST', `${url}/conversations/${conv.id}/handback`, mia().token)).status).toBe(200);
  });

  it('tells the customer they are queued when the message that asked is redelivered after a crash before its turn committed', async () => {
    await customerSays(w.app, 'crash-q', 'hello');
    const conv = await conversationOf('crash-q');
    const asked = 'crash-q:ask-1';
    // The first delivery got as far as the hand-off request, then the process died: no turn, no notice.
    await w.app.services.handoff.request({ conversation: conv, reason: 'customer_request', note: 'a person please', idempotencyKey: `fake:${asked}:handoff` });
    (w.app.pipeline as unknown as { deps: { participants: { invalidate(id: string): void } } }).deps.participants.invalidate(conv.id); // a restarted process has no cache
    const redelivered = await customerSays(w.app, 'crash-q', 'a person please', asked);
    expect(redelivered.status).toBe('held');
    expect(redelivered.replies.map((r) => r.text)).toEqual([expect.stringMatching(/You are number \d+ in the queue/)]);
    // Any other message while queued stays silent, as before.
    expect((await customerSays(w.app, 'crash-q', 'hello?')).replies).toEqual([]);
  });

  it('answers again after the agent hands the thread back', async () => {
    await customerSays(w.app, 'back-1', 'can I talk to a person');
    const conv = await conversationOf('back-1');
    expect((await call('POST', `${url}/conversations/${conv.id}/claim`, mia().token)).status).toBe(200);
    expect((await customerSays(w.app, 'back-1', 'hello?')).replies).toEqual([]);
    // Only the holder may hand back.
    expect((await call('POST', `${url}/conversations/${conv.id}/handback`, agents[1].token)).status).toBe(409);
    expect((await call('POST', `${url}/conversations/${conv.id}/handback`, mia().token)).body.owner).toBe('bot');
    const answered = await customerSays(w.app, 'back-1', 'hi');
    expect(answered.status).toBe('processed');
    expect(answered.replies.length).toBeGreaterThan(0);
    await eventually(() => expect(w.fake.to('back-1').map((m) => m.text)).toContain("I'm back — the bot will help you from here. Ask for a person any time."));
  });

  it('releases a thread back to the queue and lets an admin assign it', async () => {
    await customerSays(w.app, 'rel-1', 'human please');
    const conv = await conversationOf('rel-1');
    await call('POST', `${url}/conversations/${conv.id}/claim`, mia().token);
    const released = await call('POST', `${url}/conversations/${conv.id}/release`, mia().token);
    expect(released.body).toMatchObject({ owner: 'queue', request: { status: 'waiting' } });
    const queue = await call('GET', `${url}/queue`, mia().token);
    expect(queue.body.items.map((i: { conversationId: string }) => i.conversationId)).toContain(conv.id);
    expect((await call('POST', `${url}/conversations/${conv.id}/assign`, mia().token, { agentId: agents[2].id })).status).toBe(403);
    const assigned = await call('POST', `${url}/conversations/${conv.id}/assign`, ADMIN, { agentId: agents[2].id });
    expect(assigned.body).toMatchObject({ owner: 'agent', agentId: agents[2].id, agentName: 'Kai' });
    const resolved = await call('POST', `${url}/conversations/${conv.id}/resolve`, agents[2].token);
    expect(resolved.body).toMatchObject({ owner: 'bot', request: null });
  });

  it('hands idle agent threads back to the bot after the timeout', async () => {
    await customerSays(w.app, 'idle-1', 'agent please');
    const conv = await conversationOf('idle-1');
    await call('POST', `${url}/conversations/${conv.id}/claim`, mia().token);
    expect(await w.handoff.handBackIdle(new Date(), 15)).not.toContain(conv.id);
    expect(await w.handoff.handBackIdle(new Date(Date.now() + 16 * 60_000), 15)).toContain(conv.id);
    expect((await conversationOf('idle-1')).owner).toBe('bot');
    await eventually(() => expect(w.fake.to('idle-1').map((m) => m.text).at(-1)).toMatch(/quiet for a while, so I'm back/));
    expect((await customerSays(w.app, 'idle-1', 'hi')).replies.length).toBeGreaterThan(0);
  });

  it('tells the customer who they are talking to in their language', async () => {
    await customerSays(w.app, 'zh-1', '你好');
    const zh = await conversationOf('zh-1');
    await customerSays(w.app, 'en-1', 'hello');
    const en = await conversationOf('en-1');
    await call('POST', `${url}/conversations/${zh.id}/claim`, mia().token);
    await call('POST', `${url}/conversations/${en.id}/claim`, mia().token);
    await call('POST', `${url}/conversations/${zh.id}/handback`, mia().token);
    await call('POST', `${url}/conversations/${en.id}/handback`, mia().token);
    await eventually(() => {
      expect(w.fake.to('zh-1').map((m) => m.text)).toEqual(expect.arrayContaining(['您现在正在与客服 Mia 对话。', expect.stringMatching(/^我回来了——接下来由智能助手为您服务/)]));
      expect(w.fake.to('en-1').map((m) => m.text)).toEqual(expect.arrayContaining(["You're now talking to Mia from our team.", expect.stringMatching(/^I'm back — the bot will help you from here/)]));
    });
  });

  it("delivers an agent's message to the customer's web chat, shown as from the agent", async () => {
    const first = await postJson(`${w.app.url}/chat/messages`, { text: 'I need a human' });
    const conv = await conversationOf(first.body.sessionId.split('.')[0], 'webchat');
    await call('POST', `${url}/conversations/${conv.id}/claim`, mia().token);
    const posted = await call('POST', `${url}/conversations/${conv.id}/messages`, mia().token, { text: 'Hello, Mia here. Let me look.' });
    expect(posted.status).toBe(202);
    await eventually(async () => {
      const history = (await (await fetch(`${w.app.url}/chat/history?sessionId=${encodeURIComponent(first.body.sessionId)}`)).json()) as { messages: unknown[] };
      expect(history.messages).toEqual(expect.arrayContaining([expect.objectContaining({ author: 'agent', text: 'Hello, Mia here. Let me look.' })]));
      const rows = await outboxOf(conv.id);
      expect(rows.find((r) => r.kind === 'agent')).toMatchObject({ status: 'sent', author: 'Mia' });
    });
    // Another agent cannot write into Mia's thread.
    expect((await call('POST', `${url}/conversations/${conv.id}/messages`, agents[1].token, { text: 'me too' })).status).toBe(409);
    const transcript = await call('GET', `${url}/conversations/${conv.id}/messages`, mia().token);
    expect(transcript.body.messages.at(-1)).toMatchObject({ direction: 'out', author: 'agent', authorName: 'Mia', channel: 'webchat' });
  });
});

describe('queue, cards and access', () => {
  it('orders the queue by reason, tier, waiting time and SLA', async () => {
    const make = async (c: string, reason: string) => {
      await customerSays(w.app, c, 'hello');
      const conv = await conversationOf(c);
      await w.app.crm.handoff.request({ conversation: conv, reason, idempotencyKey: `q-${c}` });
      return conv;
    };
    const plain = await make('q-plain', 'customer_request');
    const angry = await make('q-angry', 'anger');
    const gold = await make('q-gold', 'customer_request');
    await w.app.store.db.insertInto('loyalty_members').values({ customer_id: gold.customer_id, tier: 'gold', joined_at: new Date(), terms_version: 't', terms_accepted_at: new Date(), next_review_at: new Date(), tier_since: new Date() } as never).execute();
    const items = (await call('GET', `${url}/queue?limit=200`, mia().token)).body.items as Array<{ conversationId: string; score: number; tier: string | null }>;
    const order = items.map((i) => i.conversationId).filter((id) => [plain.id, angry.id, gold.id].includes(id));
    expect(order).toEqual([angry.id, gold.id, plain.id]);
    expect(items.find((i) => i.conversationId === gold.id)!.tier).toBe('gold');
  });

  it('refuses marketers (403), validates bodies (400 naming the field) and audits every read', async () => {
    await customerSays(w.app, 'audit-1', 'hello');
    const conv = await conversationOf('audit-1');
    expect((await call('GET', `${url}/conversations`, marketer)).status).toBe(403);
    expect((await call('GET', `${url}/queue`, marketer)).status).toBe(403);
    const bad = await call('POST', `${url}/conversations/${conv.id}/notes`, mia().token, { text: '' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^text/);
    expect((await call('GET', `${url}/conversations?owner=robot`, mia().token)).body.error.message).toMatch(/^owner/);
    const viewed = await call('GET', `${url}/conversations/${conv.id}`, mia().token);
    expect(viewed.body).toMatchObject({ id: conv.id, owner: 'bot', customer: { pointsBalance: 0, recentOrders: [], openTickets: [], consent: expect.any(Array) } });
    await call('GET', `${url}/conversations/${conv.id}/messages`, mia().token);
    const trail = await w.app.staff.auditTrail({ customerId: conv.customer_id });
    expect(trail.map((t) => `${t.action}:${t.actor_name}`)).toEqual(expect.arrayContaining(['conversation.view:Mia', 'conversation.transcript:Mia']));
  });

  it('pages through conversations with a cursor and filters by owner', async () => {
    const first = await call('GET', `${url}/conversations?limit=3`, mia().token);
    expect(first.body.items).toHaveLength(3);
    const second = await call('GET', `${url}/conversations?limit=3&cursor=${first.body.nextCursor}`, mia().token);
    const ids = [...first.body.items, ...second.body.items].map((i: { id: string }) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    const queued = await call('GET', `${url}/conversations?owner=queue`, mia().token);
    expect(queued.body.items.every((i: { owner: string }) => i.owner === 'queue')).toBe(true);
    expect((await call('GET', `${url}/conversations?cursor=nonsense`, mia().token)).status).toBe(400);
  });

  it('renders canned responses for the conversation’s customer in both languages', async () => {
    await customerSays(w.app, 'canned-1', 'hello');
    const conv = await conversationOf('canned-1');
    await w.app.store.db.updateTable('customers').set({ name: 'Lea' }).where('id', '=', conv.customer_id).execute();
    const en = await call('GET', `${url}/canned-responses?locale=en&conversationId=${conv.id}`, mia().token);
    expect(en.body.items.find((i: { id: string }) => i.id === 'greeting').text).toBe('Hi Lea, this is Mia from the shop team. How can I help you today?');
    const zh = await call('GET', `${url}/canned-responses?locale=zh-CN`, mia().token);
    expect(zh.body.items.find((i: { id: string }) => i.id === 'greeting').text).toBe('亲，您好！我是客服 Mia，请问有什么可以帮您？');
    expect((await call('GET', `${url}/canned-responses?locale=fr`, mia().token)).body.error.message).toMatch(/^locale/);
  });

  it('streams ownership changes and held customer messages to agent consoles', async () => {
    await customerSays(w.app, 'live-1', 'a human please');
    const conv = await conversationOf('live-1');
    const socket = new WebSocket(`${w.app.url!.replace('http', 'ws')}/agent/ws`);
    const frames: any[] = [];
    socket.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((r) => socket.once('open', r));
    socket.send(JSON.stringify({ type: 'auth', token: agents[3].token }));
    await eventually(() => expect(frames[0]).toMatchObject({ type: 'ready', staff: { name: 'Lin' } }));
    await call('POST', `${url}/conversations/${conv.id}/claim`, agents[3].token);
    await customerSays(w.app, 'live-1', 'are you there?');
    await eventually(() => {
      expect(frames).toEqual(expect.arrayContaining([
        expect.objectContaining({ event: expect.objectContaining({ type: 'conversation.claimed', conversationId: conv.id, agentName: 'Lin' }) }),
        expect.objectContaining({ event: expect.objectContaining({ type: 'conversation.customer_message', conversationId: conv.id, text: 'are you there?' }) }),
      ]));
    });
    socket.close();
    const denied = new WebSocket(`${w.app.url!.replace('http', 'ws')}/agent/ws?token=${marketer}`);
    const code = await new Promise<number>((r) => denied.once('close', (c) => r(c)));
    expect(code).toBe(4403);
  });
});
