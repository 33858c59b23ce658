/**
 * The operator points SLACK_AGENT_CHANNEL at another channel: conversations still with a person
 * continue in new threads there (with their context, and the old thread told where they went);
 * conversations back with the bot stay where they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../fakes/slack-api.fake.js';
import { tempDataDir } from '../../helpers/app.js';
import { eventually } from '../handoff/workspace.js';
import { agentInSlack, BOT_TOKEN, channelMessage, parentsOf, parentTs, sleep, startDeskApp, threadTexts, webchatConversation, webchatHistory, webchatSays, type DeskApp } from './desk-test-app.js';

const OLD = 'CDESKOLD1';
const NEW = 'CDESKNEW2';
const data = tempDataDir('patron-slack-desk-move-');
let fake: FakeSlackApi;
let d: DeskApp | undefined;
let done: Awaited<ReturnType<typeof handedOff>>;

beforeAll(async () => {
  fake = await FakeSlackApi.start({ token: BOT_TOKEN });
});
afterAll(async () => {
  await d?.stop();
  await fake?.close();
  data.cleanup();
});

async function handedOff(app: DeskApp['app'], first: string) {
  const session = await webchatSays(app, first);
  await webchatSays(app, 'I want a human please', session);
  const conv = await webchatConversation(app, session);
  const ts = await parentTs(fake, conv.id, OLD);
  await fake.waitFor(() => threadTexts(fake, ts).includes('*Customer:* I want a human please'));
  return { session, conversationId: conv.id, ts };
}

describe('Slack agent desk: the desk channel changes', () => {
  it('moves a conversation still with a person to a new thread in the new channel, with its context, and leaves one back with the bot', async () => {
    d = await startDeskApp(data.dir, fake, OLD);
    const held = await handedOff(d.app, 'my parcel is lost');
    const mia = await agentInSlack(d.app, fake, 'UMIA0001', 'Mia');
    const actor = { id: mia.id, name: mia.name, role: 'agent' as const };
    await d.app.handoffQueue.claim(held.conversationId, actor);
    done = await handedOff(d.app, 'I was charged twice');
    await d.app.handoffQueue.claim(done.conversationId, actor);
    await d.app.handoffQueue.handBack(done.conversationId, actor);
    await eventually(async () => expect((await d!.app.store.db.selectFrom('slack_desk_threads').select('active').where('conversation_id', '=', done.conversationId).executeTakeFirstOrThrow()).active).toBe(false));
    // Handed back while no desk runs: its old thread is still active when the channel changes.
    const late = await handedOff(d.app, 'wrong size delivered');
    await d.app.handoffQueue.claim(late.conversationId, actor);
    await d.desk.stop();
    await d.app.handoffQueue.handBack(late.conversationId, actor);
    await d.stop();
    const oldPosts = fake.okCallsTo('chat.postMessage').filter((c) => c.params.channel === OLD).length;

    d = await startDeskApp(data.dir, fake, NEW);
    const ts = await parentTs(fake, held.conversationId, NEW);
    await fake.waitFor(() => threadTexts(fake, ts).includes('*Customer:* I want a human please'));
    expect(threadTexts(fake, ts)).toContain('*Customer:* my parcel is lost');
    expect(threadTexts(fake, held.ts).at(-1)).toBe(`This conversation moved to the desk channel <#${NEW}>; reply there from now on.`);
    const row = await d.app.store.db.selectFrom('slack_desk_threads').selectAll().where('conversation_id', '=', held.conversationId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ channel_id: NEW, thread_ts: ts, active: true });

    // The agent carries on in the new thread; the customer gets it.
    await channelMessage(`${d.app.url}/slack/events`, { user: mia.slackId, threadTs: ts, text: 'Mia again, from the new desk' }, NEW);
    await eventually(async () => expect((await webchatHistory(d!.app, held.session)).some((m) => m.author === 'agent' && m.text === 'Mia again, from the new desk')).toBe(true));
    await webchatSays(d.app, 'great, thanks', held.session);
    await fake.waitFor(() => threadTexts(fake, ts).includes('*Customer:* great, thanks'));
    expect(threadTexts(fake, held.ts)).not.toContain('*Customer:* great, thanks');

    // Back with the bot: nothing in the new channel, the old thread left as it was.
    await d.app.slackDesk!.catchUp();
    await sleep(300);
    expect(parentsOf(fake, done.conversationId, NEW)).toHaveLength(0);
    expect(threadTexts(fake, done.ts).some((t) => t.includes('moved to'))).toBe(false);
    expect(parentsOf(fake, held.conversationId, NEW)).toHaveLength(1);
    // The late hand-back: closed without a word in the old channel (only the move notice went there).
    expect(parentsOf(fake, late.conversationId, NEW)).toHaveLength(0);
    expect((await d.app.store.db.selectFrom('slack_desk_threads').select('active').where('conversation_id', '=', late.conversationId).executeTakeFirstOrThrow()).active).toBe(false);
    expect(fake.okCallsTo('chat.postMessage').filter((c) => c.params.channel === OLD).length).toBe(oldPosts + 1);
    const all = threadTexts(fake, ts);
    expect(new Set(all).size).toBe(all.length);
  });

  it('opens a new thread in the new channel, not the closed one in the old, when that conversation is handed off again', async () => {
    const before = threadTexts(fake, done.ts).length;
    await webchatSays(d!.app, 'I want a human please', done.session);
    const ts = await parentTs(fake, done.conversationId, NEW);
    await fake.waitFor(() => threadTexts(fake, ts).includes('*Customer:* I want a human please'));
    expect(threadTexts(fake, ts)).toContain('*Customer:* I was charged twice');
    await sleep(200);
    expect(threadTexts(fake, done.ts)).toHaveLength(before);
    expect(parentsOf(fake, done.conversationId, OLD)).toHaveLength(1);
  });
});
