/**
 * A desk channel Slack refuses (the bot was removed from it, it was archived or deleted): the desk
 * holds the channel instead of calling Slack once per thread per pass, tells the operator once what
 * to fix, probes with one post per backoff period, and posts everything that waited once Slack takes
 * posts again. Passing trouble (HTTP 500, rate limits) is retried as before and holds nothing, and
 * a post that fails on the way to closing a thread is retried before the thread is closed.
 */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSlackAgentDesk, type DeskMirrorOptions, type SlackAgentDesk } from '../../../src/channels/slack/agent-desk/index.js';
import type { SlackAdapter } from '../../../src/channels/slack/slack.adapter.js';
import { createLogger } from '../../../src/core/logger.js';
import { FakeSlackApi, type SlackCall } from '../../fakes/slack-api.fake.js';
import { tempDataDir } from '../../helpers/app.js';
import { eventually } from '../handoff/workspace.js';
import { agentInSlack, BOT_TOKEN, DESK, parentsOf, parentTs, sleep, startDeskApp, threadTexts, webchatConversation, webchatSays, type DeskApp } from './desk-test-app.js';

const data = tempDataDir('patron-slack-desk-unreachable-');
const NOT_IN_CHANNEL = { kind: 'platform', error: 'not_in_channel' } as const;
const DESK_POSTS = { method: 'chat.postMessage', channel: DESK };
let fake: FakeSlackApi;
let d: DeskApp;
let desk: SlackAgentDesk | undefined;

interface LogLine {
  level: number;
  msg: string;
}

beforeAll(async () => {
  fake = await FakeSlackApi.start({ token: BOT_TOKEN });
  d = await startDeskApp(data.dir, fake);
  // Each test runs its own desk on the app (own options, own log); the app's one would post too.
  await d.desk.stop();
});
beforeEach(() => fake.reset());
afterEach(async () => {
  await desk?.stop();
  desk = undefined;
});
afterAll(async () => {
  await d?.stop();
  await fake?.close();
  data.cleanup();
});

/** A desk on the test app whose log lines are kept (debug and up). */
async function startDesk(mirror: DeskMirrorOptions): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as LogLine);
      cb();
    },
  });
  desk = buildSlackAgentDesk({
    db: d.app.store.db, coordination: d.app.coordination, handoff: d.app.handoffQueue, adapter: d.app.channels.get('slack') as SlackAdapter,
    botToken: BOT_TOKEN, channelId: DESK, log: createLogger({ level: 'debug', destination }), mirror,
  });
  await desk.start();
  return lines;
}

/** A web chat customer who asked for a person; resolves once the desk has reserved their thread. */
async function handOff(first: string): Promise<string> {
  const session = await webchatSays(d.app, first);
  await webchatSays(d.app, 'I want a human please', session);
  const { id } = await webchatConversation(d.app, session);
  await eventually(async () => expect(await threadRow(id)).toBeDefined());
  return id;
}

const threadRow = (id: string) => d.app.store.db.selectFrom('slack_desk_threads').selectAll().where('conversation_id', '=', id).executeTakeFirst();
const postRows = (id: string) => d.app.store.db.selectFrom('slack_desk_posts').selectAll().where('conversation_id', '=', id).execute();
const deskPosts = (): SlackCall[] => fake.callsTo('chat.postMessage').filter((c) => c.params.channel === DESK);
const refusals = () => deskPosts().filter((c) => (c.response as { error?: string }).error === 'not_in_channel');
const atLevel = (lines: LogLine[], level: number, text: string) => lines.filter((l) => l.level === level && l.msg.includes(text));
const ERROR = 50;
const INFO = 30;
const DEBUG = 20;

describe('Slack agent desk: a desk channel Slack refuses', () => {
  it('holds the channel while Slack answers not_in_channel: one error naming the fix, one probe per backoff, nothing claimed or posted', async () => {
    fake.failNext(10_000, NOT_IN_CHANNEL, DESK_POSTS);
    const lines = await startDesk({ catchUpMs: 100, maxHoldMs: 400 });
    const ids = [await handOff('my order is late')];
    await eventually(() => expect(atLevel(lines, ERROR, DESK)).toHaveLength(1));
    ids.push(await handOff('the parcel is damaged'), await handOff('I was charged twice'));
    await sleep(2_000);

    // The first refusal, then probes at least 100, 200, 400, 400… ms apart (doubling, capped),
    // where the passes alone (every 100 ms, three threads) would make about sixty calls.
    const calls = refusals();
    expect(calls).toEqual(deskPosts());
    expect(calls.length).toBeGreaterThanOrEqual(3);
    calls.slice(1).forEach((call, i) => expect(call.at - calls[i].at).toBeGreaterThanOrEqual(Math.min(100 * 2 ** i, 400)));
    expect(calls.length).toBeLessThanOrEqual(3 + Math.ceil((calls[calls.length - 1].at - calls[0].at) / 400));
    // Refused probes are logged at debug only.
    expect(atLevel(lines, DEBUG, 'still refused')).toHaveLength(calls.length - 1);

    const [error] = atLevel(lines, ERROR, DESK);
    expect(error.msg).toContain('not_in_channel');
    expect(error.msg).toContain('SLACK_AGENT_CHANNEL');
    expect(lines.filter((l) => l.level >= ERROR)).toHaveLength(1);
    for (const id of ids) {
      expect((await threadRow(id))?.thread_ts).toBeNull();
      expect(await postRows(id)).toEqual([]);
    }
  });

  it('posts every parent and item exactly once, and says once that the channel is back, when Slack takes posts again', async () => {
    fake.failNext(10_000, NOT_IN_CHANNEL, DESK_POSTS);
    const lines = await startDesk({ catchUpMs: 100, maxHoldMs: 400 });
    const ids = [await handOff('where is my refund'), await handOff('wrong size delivered'), await handOff('cancel my order please')];
    await fake.waitFor(() => refusals().length >= 2);

    fake.reset();
    for (const id of ids) {
      const ts = await parentTs(fake, id);
      await fake.waitFor(() => threadTexts(fake, ts).includes('*Customer:* I want a human please'));
    }
    await sleep(500);
    for (const id of ids) {
      expect(parentsOf(fake, id)).toHaveLength(1);
      const texts = threadTexts(fake, await parentTs(fake, id));
      expect(new Set(texts).size).toBe(texts.length);
      const rows = await postRows(id);
      expect(rows.filter((r) => r.message_ts !== null)).toHaveLength(texts.length);
      expect(rows.every((r) => r.claimed_at === null)).toBe(true);
    }
    expect(atLevel(lines, INFO, 'reachable again')).toHaveLength(1);
    expect(atLevel(lines, ERROR, DESK)).toHaveLength(1);
  });

  it('retries an HTTP 500 or a rate limit as before without holding the channel, where not_in_channel holds it', async () => {
    const lines = await startDesk({ catchUpMs: 60_000 });
    await desk!.catchUp();

    fake.failNext(1, { kind: 'http', status: 500 }, DESK_POSTS);
    const failed = await handOff('my voucher does not work');
    await fake.waitFor(() => deskPosts().some((c) => c.status === 500));
    fake.failNext(1, { kind: 'rate_limited', retryAfterSeconds: 1 }, DESK_POSTS);
    const limited = await handOff('the app logs me out');
    await fake.waitFor(() => deskPosts().some((c) => c.status === 429));
    // Not held: the next hand-off's own event opens its thread at once (no pass is due for a minute).
    await parentTs(fake, await handOff('I need an invoice'));
    await parentTs(fake, limited);
    await desk!.catchUp();
    await parentTs(fake, failed);
    expect(lines.filter((l) => l.level >= ERROR)).toEqual([]);

    fake.failNext(10_000, NOT_IN_CHANNEL, DESK_POSTS);
    await handOff('my order never came');
    await eventually(() => expect(refusals()).toHaveLength(1));
    // Held: neither the next hand-off's event nor a pass before the backoff calls Slack.
    const held = await handOff('please call me back');
    await desk!.catchUp();
    await sleep(300);
    expect(refusals()).toHaveLength(1);
    expect((await threadRow(held))?.thread_ts).toBeNull();
    expect(atLevel(lines, ERROR, DESK)).toHaveLength(1);
  });
  it('posts the last item of a resolved conversation, then closes its thread, when that post failed on the way to closing it', async () => {
    await startDesk({ catchUpMs: 60_000, retryMs: 200 });
    const id = await handOff('my gift card is empty');
    const ts = await parentTs(fake, id);
    await fake.waitFor(() => threadTexts(fake, ts).some((t) => t.includes('asked a colleague')));
    await sleep(100);
    const solved = () => threadTexts(fake, ts).filter((t) => t.startsWith('_System:_') && t.includes('solved'));
    // The resolve's own event posts the notice that ends the hand-off; Slack fails that post once.
    fake.failNext(1, { kind: 'http', status: 500 }, DESK_POSTS);
    const mia = await agentInSlack(d.app, fake, 'UMIA0009', 'Mia');
    await d.app.handoffQueue.resolve(id, { id: mia.id, name: mia.name, role: 'agent' });
    await fake.waitFor(() => deskPosts().some((c) => c.status === 500));
    await fake.waitFor(() => solved().length === 1, 3_000);
    await eventually(async () => expect((await threadRow(id))?.active).toBe(false));
    await sleep(300);
    expect(solved()).toHaveLength(1);
  });
});
