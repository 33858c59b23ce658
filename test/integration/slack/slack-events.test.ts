import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActions, dmEvent, sendSignedEvent, sendSignedInteraction, slackTs, urlVerification, type SlackCall } from '../../fakes/slack-api.fake.js';
import { SIGNING_SECRET, sleep, startSlackTestApp, until, type SlackTestApp } from './slack-test-app.js';

let t: SlackTestApp;

beforeAll(async () => {
  t = await startSlackTestApp();
});
afterAll(async () => {
  await t?.stop();
});

const postsTo = (channel: string): SlackCall[] => t.fake.callsTo('chat.postMessage').filter((c) => c.params.channel === channel);
const send = (envelope: unknown, options = {}) => sendSignedEvent(t.eventsUrl, SIGNING_SECRET, envelope, options);
const inboundCount = async (prefix: string) =>
  (await t.app.store.db.selectFrom('inbound_messages').select('id').where('channel', '=', 'slack').where('external_id', 'like', `${prefix}%`).execute()).length;
type Block = { type: string; elements?: Array<{ type: string; value?: string; url?: string; text: { text: string } }> };

describe('Slack direct messages', () => {
  it('answers a signed "hi" with one chat.postMessage that has a text fallback and a row of buttons', async () => {
    t.fake.users.set('U100', { id: 'U100', name: 'ada', profile: { first_name: 'Ada' } });
    const res = await send(dmEvent({ user: 'U100', channel: 'D100', text: 'hi' }));
    expect(res.status).toBe(200);
    await until(() => postsTo('D100').length === 1, 5000, 'the reply');
    await sleep(300);
    const calls = postsTo('D100');
    expect(calls).toHaveLength(1);
    expect(calls[0].token).toMatch(/^xoxb-/);
    expect(calls[0].params.text).toMatch(/Ada/);
    const blocks = calls[0].params.blocks as Block[];
    const actions = blocks.find((b) => b.type === 'actions');
    expect(actions?.elements?.length).toBeGreaterThan(3);
    expect(actions?.elements?.map((e) => e.value)).toContain('intent:track_order');
    expect(blocks[0]).toMatchObject({ type: 'section' });
  });

  it('answers "你好" in Chinese', async () => {
    await send(dmEvent({ user: 'U101', channel: 'D101', text: '你好' }));
    await until(() => postsTo('D101').length === 1, 5000, 'the reply');
    expect(postsTo('D101')[0].params.text).toMatch(/您好/);
  });

  it('refuses a forged signature with 401 and records and posts nothing', async () => {
    const res = await send(dmEvent({ user: 'U102', channel: 'D102', text: 'hi' }), { signature: `v0=${'0'.repeat(64)}` });
    expect(res.status).toBe(401);
    const wrongSecret = await sendSignedEvent(t.eventsUrl, 'not-the-secret', dmEvent({ user: 'U102', channel: 'D102', text: 'hi' }));
    expect(wrongSecret.status).toBe(401);
    await sleep(500);
    expect(postsTo('D102')).toHaveLength(0);
    expect(await inboundCount('evt:D102:')).toBe(0);
  });

  it('refuses a request signed more than five minutes ago, or in the future, with 401', async () => {
    // Well past the 300 s window both ways: a second of request latency must not bring "future" back inside it.
    const now = Math.floor(Date.now() / 1000);
    const old = await send(dmEvent({ user: 'U103', channel: 'D103', text: 'hi' }), { timestamp: now - 301 });
    expect(old.status).toBe(401);
    const future = await send(dmEvent({ user: 'U103', channel: 'D103', text: 'hi' }), { timestamp: now + 330 });
    expect(future.status).toBe(401);
    await sleep(500);
    expect(postsTo('D103')).toHaveLength(0);
    expect(await inboundCount('evt:D103:')).toBe(0);
  });

  it('replies exactly once when Slack delivers the same message five times', async () => {
    const envelope = dmEvent({ user: 'U104', channel: 'D104', text: 'hello', ts: slackTs() });
    const first = send(envelope);
    await sleep(20);
    const retries = [1, 2, 3, 4].map((n) => send(envelope, { retryNum: n, retryReason: 'http_timeout' }));
    const statuses = (await Promise.all([first, ...retries])).map((r) => r.status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    await until(() => postsTo('D104').length >= 1, 5000, 'the reply');
    await sleep(1500);
    expect(postsTo('D104')).toHaveLength(1);
    expect(await inboundCount('evt:D104:')).toBe(1);
  });

  it('acknowledges a redelivery quickly', async () => {
    const envelope = dmEvent({ user: 'U105', channel: 'D105', text: 'hi' });
    await send(envelope);
    const started = Date.now();
    const res = await send(envelope, { retryNum: 1 });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('routes a button press (block_actions) to its flow and answers it', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: 'menu' } }, { type: 'actions', block_id: 'patron_qr_0', elements: [] }];
    const res = await sendSignedInteraction(t.eventsUrl, SIGNING_SECRET, blockActions({ user: 'U106', channel: 'D106', value: 'intent:help', label: 'Show the menu', blocks }));
    expect(res.status).toBe(200);
    await until(() => postsTo('D106').length === 1, 5000, 'the reply to the press');
    expect(postsTo('D106')[0].params.text).toMatch(/what I can do/i);
    // The pressed quick replies are replaced by the choice.
    await until(() => t.fake.callsTo('chat.update').some((c) => c.params.channel === 'D106'), 3000, 'chat.update of the pressed message');
    const update = t.fake.callsTo('chat.update').find((c) => c.params.channel === 'D106')!;
    expect(JSON.stringify(update.params.blocks)).toContain('Show the menu');
    expect((update.params.blocks as Block[]).some((b) => b.type === 'actions')).toBe(false);
    expect(await inboundCount('act:')).toBe(1);
  });

  it('ignores a press of a link button, which only opens its URL', async () => {
    const res = await sendSignedInteraction(t.eventsUrl, SIGNING_SECRET, blockActions({ user: 'U107', channel: 'D107', actionId: 'patron_btn_0', url: 'https://shop.example/track' }));
    expect(res.status).toBe(200);
    await sleep(500);
    expect(postsTo('D107')).toHaveLength(0);
  });

  it("ignores the bot's own messages, other bots' posts and edits or deletions", async () => {
    const bot = t.fake.botUserId;
    const responses = await Promise.all([
      send(dmEvent({ user: bot, channel: 'D108', text: 'hi from myself' })),
      send(dmEvent({ user: 'U108', channel: 'D108', text: 'hi', subtype: 'bot_message', botId: 'BOTHER' })),
      send(dmEvent({ user: 'U108', channel: 'D108', text: 'hi', botId: t.fake.botId })),
      send(dmEvent({ user: 'U108', channel: 'D108', subtype: 'message_changed', extra: { message: { type: 'message', user: 'U108', text: 'hi (edited)', ts: slackTs() } } })),
      send(dmEvent({ user: 'U108', channel: 'D108', subtype: 'message_deleted', extra: { deleted_ts: slackTs() } })),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await sleep(800);
    expect(postsTo('D108')).toHaveLength(0);
    expect(await inboundCount('evt:D108:')).toBe(0);
  });

  it('ignores messages in channels other than a direct message', async () => {
    const envelope = dmEvent({ user: 'U109', channel: 'C109', text: 'hi', extra: { channel_type: 'channel' } });
    expect((await send(envelope)).status).toBe(200);
    await sleep(500);
    expect(postsTo('C109')).toHaveLength(0);
  });
});

describe('Slack endpoint', () => {
  it("answers Slack's url_verification challenge when signed, and 401 when not", async () => {
    const res = await send(urlVerification('challenge-abc'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'challenge-abc' });
    const forged = await send(urlVerification('challenge-abc'), { signature: 'v0=forged' });
    expect(forged.status).toBe(401);
  });

  it('refuses a request without Slack headers with 401', async () => {
    const res = await fetch(t.eventsUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(urlVerification('x')) });
    expect(res.status).toBe(401);
  });

  it('reports Slack as up on /readyz once auth.test succeeded', async () => {
    const res = await fetch(`${t.app.url}/readyz`);
    const body = JSON.stringify(await res.json());
    expect(body).toContain('channel:slack');
    expect(t.slack.adapter.health()).toMatchObject({ ok: true });
    expect(t.fake.okCallsTo('auth.test').length).toBeGreaterThanOrEqual(1);
  });
});
