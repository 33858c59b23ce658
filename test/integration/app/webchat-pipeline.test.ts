import { describe, expect, it } from 'vitest';
import { getJson, postJson, useTestApp } from '../../helpers/app.js';

const app = useTestApp();

const say = (text: string, extra: Record<string, unknown> = {}) => postJson(`${app.url}/chat/messages`, { text, ...extra });

describe('web chat through the full pipeline', () => {
  it('greets "hi" in English with the menu as quick replies', async () => {
    const res = await say('hi');
    expect(res.status).toBe(200);
    expect(res.body.sessionId).toMatch(/\./);
    expect(res.body.replies[0].text).toMatch(/hi|hello/i);
    expect(res.body.replies[0].quickReplies.length).toBeGreaterThan(3);
  });

  it('greets "你好" in Chinese', async () => {
    const res = await say('你好');
    expect(res.status).toBe(200);
    expect(res.body.locale).toBe('zh-CN');
    expect(res.body.replies[0].text).toMatch(/您好|你好/);
  });

  it('lists what the bot can do on "help" and on a menu button', async () => {
    const res = await say('what can you do?');
    expect(res.body.replies[0].quickReplies.map((q: { payload: string }) => q.payload)).toContain('intent:track_order');
    const pressed = await postJson(`${app.url}/chat/messages`, { sessionId: res.body.sessionId, payload: 'intent:help' });
    expect(pressed.body.replies[0].quickReplies.length).toBeGreaterThan(3);
  });

  it('falls back on nonsense, then shows the menu, then hands over to a person and goes quiet', async () => {
    const first = await say('qwzx plorb vent');
    const sessionId = first.body.sessionId;
    expect(first.body.replies[0].text).toMatch(/didn't|not sure/i);
    const second = await postJson(`${app.url}/chat/messages`, { sessionId, text: 'zzkq blorft' });
    expect(second.body.replies[0].quickReplies).toBeDefined();
    const third = await postJson(`${app.url}/chat/messages`, { sessionId, text: 'xxyq wub' });
    expect(third.body.replies[0].text).toMatch(/colleague/);
    const conversation = await app.repos.conversations.findByExternal('webchat', sessionId.split('.')[0]);
    expect(conversation?.owner).toBe('queue');
    const waiting = await app.services.handoff.waiting();
    expect(waiting.find((w) => w.conversation_id === conversation!.id)?.reason).toBe('repeated_fallback');
    const quiet = await postJson(`${app.url}/chat/messages`, { sessionId, text: 'hello?' });
    expect(quiet.body.replies).toEqual([]);
  });

  it('queues a request for a person in Chinese and says where the customer is in line', async () => {
    const res = await say('我要人工客服');
    expect(res.body.replies[0].text).toMatch(/人工客服.*第 \d+ 位/);
  });

  it('answers a retried message once and replays the same replies', async () => {
    const first = await postJson(`${app.url}/chat/messages`, { text: 'hello', clientMessageId: 'm-1' });
    const sessionId = first.body.sessionId;
    const again = await Promise.all([1, 2, 3, 4].map(() => postJson(`${app.url}/chat/messages`, { sessionId, text: 'hello', clientMessageId: 'm-1' })));
    for (const r of again) expect(r.body.replies).toEqual(first.body.replies);
    const history = await getJson(`${app.url}/chat/history?sessionId=${encodeURIComponent(sessionId)}`);
    expect(history.messages.filter((m: { direction: string }) => m.direction === 'in')).toHaveLength(1);
    expect(history.messages.filter((m: { direction: string }) => m.direction === 'out')).toHaveLength(first.body.replies.length);
  });

  it('withdraws marketing consent on STOP and grants it on START, confirming each', async () => {
    const stop = await say('STOP');
    expect(stop.body.replies[0].text).toMatch(/won't receive/);
    const conversation = await app.repos.conversations.findByExternal('webchat', stop.body.sessionId.split('.')[0]);
    expect(await app.services.consent.mayMarket(conversation!.customer_id, 'webchat')).toBe(false);
    const start = await postJson(`${app.url}/chat/messages`, { sessionId: stop.body.sessionId, text: 'START' });
    expect(start.body.replies[0].text).toMatch(/subscribed/);
    expect(await app.services.consent.mayMarket(conversation!.customer_id, 'webchat')).toBe(true);
    const zh = await postJson(`${app.url}/chat/messages`, { sessionId: stop.body.sessionId, text: '退订' });
    expect(zh.body.replies[0].text).toMatch(/退订/);
    expect(await app.services.consent.mayMarket(conversation!.customer_id, 'webchat')).toBe(false);
  });

  it('never lets the bot answer in a thread an agent owns, but keeps the message', async () => {
    const first = await say('hi');
    const conversation = await app.repos.conversations.findByExternal('webchat', first.body.sessionId.split('.')[0]);
    await app.repos.conversations.transferOwner(conversation!.id, ['bot'], 'agent', 'agent-7');
    app.pipeline['deps'].participants.invalidate(conversation!.id);
    const held = await postJson(`${app.url}/chat/messages`, { sessionId: first.body.sessionId, text: 'hello? are you there' });
    expect(held.status).toBe(200);
    expect(held.body.replies).toEqual([]);
    const history = await getJson(`${app.url}/chat/history?sessionId=${encodeURIComponent(first.body.sessionId)}`);
    expect(history.messages.at(-1)).toMatchObject({ direction: 'in', text: 'hello? are you there' });
  });

  it('keeps conversations apart and serialises concurrent messages of one session', async () => {
    const first = await say('hi');
    const sessionId = first.body.sessionId;
    const texts = Array.from({ length: 8 }, (_, i) => `thanks ${i}`);
    await Promise.all(texts.map((text) => postJson(`${app.url}/chat/messages`, { sessionId, text })));
    const history = await getJson(`${app.url}/chat/history?sessionId=${encodeURIComponent(sessionId)}`);
    expect(history.messages.filter((m: { direction: string }) => m.direction === 'in')).toHaveLength(9);
  });
});

describe('bad input over HTTP', () => {
  it('answers malformed JSON with 400 naming the problem', async () => {
    const res = await postJson(`${app.url}/chat/messages`, '{"text": ');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/not valid JSON/);
  });

  it('answers a missing or empty text with 400 naming the field', async () => {
    for (const body of [{}, { text: '' }, { text: '   ' }, { text: 42 }]) {
      const res = await postJson(`${app.url}/chat/messages`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/^text/);
    }
  });

  it('refuses text over 4,000 characters with 413 and writes nothing', async () => {
    const before = await app.store.db.selectFrom('inbound_messages').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst();
    const res = await postJson(`${app.url}/chat/messages`, { text: 'a'.repeat(4001) });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/at most 4000/);
    const after = await app.store.db.selectFrom('inbound_messages').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst();
    expect(after?.n).toBe(before?.n);
  });

  it('rejects a forged session with 401 and an unknown locale with 400', async () => {
    expect((await postJson(`${app.url}/chat/messages`, { text: 'hi', sessionId: 'abc.def' })).status).toBe(401);
    expect((await postJson(`${app.url}/chat/messages`, { text: 'hi', locale: 'fr' })).status).toBe(400);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await fetch(`${app.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe('not_found');
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await postJson(`${app.url}/chat/messages`, { text: 'hi', junk: 'x'.repeat(300_000) });
    expect(res.status).toBe(413);
  });
});

describe('operations endpoints', () => {
  it('serves healthz, readyz and Prometheus metrics', async () => {
    expect(await getJson(`${app.url}/healthz`)).toEqual({ status: 'ok' });
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as any).checks.database.ok).toBe(true);
    const metrics = await fetch(`${app.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/patron_turns_total\{channel="webchat",status="processed"\} \d+/);
    expect(metrics).toContain('patron_turn_duration_seconds_bucket');
  });

  it('serves the demo shop page with the chat', async () => {
    const res = await fetch(`${app.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/chat/messages');
  });
});
