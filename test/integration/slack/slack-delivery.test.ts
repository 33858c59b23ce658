import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryError } from '../../../src/channels/channel-adapter.js';
import { dmEvent, sendSignedEvent, type SlackCall } from '../../fakes/slack-api.fake.js';
import { SIGNING_SECRET, startSlackTestApp, until, type SlackTestApp } from './slack-test-app.js';

let t: SlackTestApp;

beforeAll(async () => {
  t = await startSlackTestApp();
});
afterAll(async () => {
  await t?.stop();
});

const postsTo = (channel: string): SlackCall[] => t.fake.callsTo('chat.postMessage').filter((c) => c.params.channel === channel);
const say = (user: string, channel: string, text: string) => sendSignedEvent(t.eventsUrl, SIGNING_SECRET, dmEvent({ user, channel, text }));
const outboxRows = (recipient: string) =>
  t.app.store.db.selectFrom('outbox').select(['status', 'attempts', 'last_error', 'platform_message_id']).where('channel', '=', 'slack').where('recipient', '=', recipient).execute();
const sendError = (p: Promise<unknown>) => p.then(() => null, (err: unknown) => err as DeliveryError);

describe('Slack delivery through the outbox', () => {
  it('waits out a 429 Retry-After and then sends the reply once', async () => {
    t.fake.failNext(1, { kind: 'rate_limited', retryAfterSeconds: 1 }, { method: 'chat.postMessage', channel: 'D200' });
    await say('U200', 'D200', 'hi');
    await until(() => postsTo('D200').some((c) => c.status === 200), 8000, 'the reply after the rate limit');
    const calls = postsTo('D200');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(900);
    await until(async () => (await outboxRows('D200'))[0]?.status === 'sent', 3000, 'the row to be marked sent');
    const [row] = await outboxRows('D200');
    expect(row.attempts).toBe(2);
    expect(row.platform_message_id).toBe((calls[1].response as { ts: string }).ts);
  });

  it('marks the reply failed without retrying when the account is inactive', async () => {
    t.fake.failNext(1, { kind: 'platform', error: 'account_inactive' }, { method: 'chat.postMessage', channel: 'D201' });
    await say('U201', 'D201', 'hi');
    await until(async () => (await outboxRows('D201'))[0]?.status === 'failed', 8000, 'the row to be marked failed');
    const [row] = await outboxRows('D201');
    expect(row.last_error).toMatch(/account_inactive/);
    expect(postsTo('D201')).toHaveLength(1);
  });

  it("marks the customer's Slack identity unreachable when the account is inactive", async () => {
    t.fake.failNext(1, { kind: 'platform', error: 'account_inactive' }, { method: 'chat.postMessage', channel: 'D202' });
    await say('U202', 'D202', 'hi');
    await until(async () => (await outboxRows('D202'))[0]?.status === 'failed', 8000, 'the row to be marked failed');
    const identity = await t.app.store.db
      .selectFrom('identities').select(['unreachable_at', 'unreachable_reason'])
      .where('channel', '=', 'slack').where('external_id', '=', 'U202').executeTakeFirstOrThrow();
    expect(identity.unreachable_at).toBeInstanceOf(Date);
    expect(identity.unreachable_reason).toMatch(/account_inactive/);
  });
});

describe('Slack adapter send', () => {
  it('opens the direct message first when given a user id (campaigns address identities)', async () => {
    const result = await t.slack.adapter.send('U210', { text: 'Spring sale', buttons: [{ label: 'Open the shop', url: 'https://shop.example/' }] });
    expect(result.platformMessageId).toMatch(/^\d+\.\d+$/);
    expect(t.fake.callsTo('conversations.open').at(-1)?.params.users).toBe('U210');
    const [post] = postsTo('D210');
    const actions = (post.params.blocks as Array<{ type: string; elements?: Array<{ url?: string }> }>).find((b) => b.type === 'actions');
    expect(actions?.elements?.[0].url).toBe('https://shop.example/');
  });

  it.each([
    [{ kind: 'http', status: 503 } as const, 'retry'],
    [{ kind: 'platform', error: 'channel_not_found' } as const, 'unreachable'],
    [{ kind: 'platform', error: 'is_archived' } as const, 'unreachable'],
    [{ kind: 'platform', error: 'user_not_found' } as const, 'unreachable'],
    [{ kind: 'platform', error: 'invalid_blocks' } as const, 'permanent'],
  ])('maps %o to a %s delivery failure', async (failure, expected) => {
    const channel = `D3${Math.floor(Math.random() * 1e6)}`;
    t.fake.failNext(1, failure, { method: 'chat.postMessage', channel });
    const err = await sendError(t.slack.adapter.send(channel, { text: 'hello' }));
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err?.failure).toBe(expected);
  });

  it('maps a 429 to a retry carrying Retry-After, without the client waiting', async () => {
    t.fake.failNext(1, { kind: 'rate_limited', retryAfterSeconds: 7 }, { method: 'chat.postMessage', channel: 'D320' });
    const started = Date.now();
    const err = await sendError(t.slack.adapter.send('D320', { text: 'hello' }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err?.failure).toBe('retry');
    expect(err?.retryAfterMs).toBe(7000);
    expect(postsTo('D320')).toHaveLength(1);
  });

  it('maps an unreachable Slack to a retry', async () => {
    const { SlackAdapter } = await import('../../../src/channels/slack/slack.adapter.js');
    const adapter = new SlackAdapter({ botToken: 'xoxb-x', signingSecret: 's', apiUrl: 'http://127.0.0.1:9/api/', handle: async () => { throw new Error('unused'); }, log: t.app.log });
    const err = await sendError(adapter.send('D330', { text: 'hello' }));
    expect(err?.failure).toBe('retry');
  });
});
