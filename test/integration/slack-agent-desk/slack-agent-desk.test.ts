import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINK_FIRST } from '../../../src/channels/slack/agent-desk/index.js';
import { FakeSlackApi, dmEvent, sendSignedEvent } from '../../fakes/slack-api.fake.js';
import { tempDataDir } from '../../helpers/app.js';
import { eventually } from '../handoff/workspace.js';
import {
  agentInSlack, BOT_TOKEN, channelMessage, DESK, noticesTo, parentsOf, parentTs, press, SIGNING_SECRET, sleep, slash, startDeskApp, threadTexts,
  webchatConversation, webchatHistory, webchatSays, type DeskApp,
} from './desk-test-app.js';

const data = tempDataDir('patron-slack-desk-');
let fake: FakeSlackApi;
let d: DeskApp;
let mia: { id: string; slackId: string; name: string };
let ola: { id: string; slackId: string; name: string };

beforeAll(async () => {
  fake = await FakeSlackApi.start({ token: BOT_TOKEN });
  d = await startDeskApp(data.dir, fake);
  mia = await agentInSlack(d.app, fake, 'UMIA0001', 'Mia');
  ola = await agentInSlack(d.app, fake, 'UOLA0001', 'Ola');
});
afterAll(async () => {
  await d?.stop();
  await fake?.close();
  data.cleanup();
});

/** A web chat customer who asked for a person, with the thread the desk opened for them. */
async function handedOffWebchat(first = 'hello') {
  const session = await webchatSays(d.app, first);
  await webchatSays(d.app, 'I want a human please', session);
  const conv = await webchatConversation(d.app, session);
  expect(conv.owner).toBe('queue');
  const ts = await parentTs(fake, conv.id);
  await fake.waitFor(() => threadTexts(fake, ts).some((t) => t.includes('I want a human please')));
  return { session, conversationId: conv.id, ts };
}

const agentLines = async (session: string) => (await webchatHistory(d.app, session)).filter((m) => m.author === 'agent').map((m) => m.text);

describe('Slack agent desk: mirroring', () => {
  it('mirrors a web chat hand-off as a thread: summary parent, then the messages that led to it, then new ones', async () => {
    const { session, conversationId, ts } = await handedOffWebchat('hello there');
    const parent = parentsOf(fake, conversationId)[0];
    expect(String(parent.params.text)).toMatch(/Hand-off: .* on webchat \(customer_request, tier none\) — waiting in the queue/);
    expect(JSON.stringify(parent.params.blocks)).toContain('patron_desk_claim');
    const texts = threadTexts(fake, ts);
    expect(texts[0]).toBe('*Customer:* hello there');
    expect(texts.some((t) => t.startsWith('_Bot:_'))).toBe(true);

    await webchatSays(d.app, 'is anyone there?', session);
    await fake.waitFor(() => threadTexts(fake, ts).includes('*Customer:* is anyone there?'));
    await sleep(150);
    // Each item exactly once, whatever events arrived.
    const all = threadTexts(fake, ts);
    expect(new Set(all).size).toBe(all.length);
    expect(parentsOf(fake, conversationId)).toHaveLength(1);
  });

  it('mirrors a Slack DM hand-off and sends the holding agent\'s thread reply to the customer\'s DM', async () => {
    const dm = 'DCUST0001';
    expect((await sendSignedEvent(`${d.app.url}/slack/events`, SIGNING_SECRET, dmEvent({ user: 'UCUST0001', channel: dm, text: 'I need a human agent' }))).status).toBe(200);
    await eventually(async () => expect((await d.app.repos.conversations.findByExternal('slack', dm))?.owner).toBe('queue'));
    const conv = (await d.app.repos.conversations.findByExternal('slack', dm))!;
    const ts = await parentTs(fake, conv.id);
    expect(String(parentsOf(fake, conv.id)[0].params.text)).toContain('on slack');
    const claim = await slash(`${d.app.url}/slack/events`, mia.slackId, `claim ${conv.id}`);
    expect(claim.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('You hold conversation') });
    // Audited with the claim, marked as made from Slack.
    const audited = (await d.app.staff.auditTrail({ customerId: conv.customer_id })).filter((t) => t.action === 'conversation.claim');
    expect(audited.map((t) => [t.actor_name, t.detail])).toEqual([['Mia', { via: 'slack' }]]);
    await channelMessage(`${d.app.url}/slack/events`, { user: mia.slackId, threadTs: ts, text: 'Hi, Mia here. How can I help?' });
    await fake.waitFor(() => fake.okCallsTo('chat.postMessage').some((c) => c.params.channel === dm && String(c.params.text).includes('Mia here')));
  });
});

describe('Slack agent desk: agents in the thread', () => {
  let h: Awaited<ReturnType<typeof handedOffWebchat>>;
  const url = () => `${d.app.url}/slack/events`;
  beforeAll(async () => {
    h = await handedOffWebchat();
  });

  it('tells an agent who has not claimed the thread, and nothing reaches the customer', async () => {
    const res = await channelMessage(url(), { user: ola.slackId, threadTs: h.ts, text: 'let me help' });
    expect(res.status).toBe(200);
    await eventually(() => expect(noticesTo(fake, ola.slackId).some((t) => t.includes("You don't hold this conversation"))).toBe(true));
    expect(await agentLines(h.session)).toEqual([]);
  });

  it('claims with the button; the parent shows the holder and the notice is mirrored', async () => {
    expect((await press(url(), mia.slackId, 'claim', h.conversationId, h.ts)).status).toBe(200);
    expect((await webchatConversation(d.app, h.session)).agent_id).toBe(mia.id);
    await eventually(() => expect(noticesTo(fake, mia.slackId).some((t) => t.includes(`You hold conversation ${h.conversationId}`))).toBe(true));
    await fake.waitFor(() => fake.okCallsTo('chat.update').some((c) => c.params.ts === h.ts && String(c.params.text).includes('held by Mia')));
    await fake.waitFor(() => threadTexts(fake, h.ts).some((t) => t.includes("You're now talking to Mia")));
  });

  it('gives a second claimer the conflict text', async () => {
    const res = await slash(url(), ola.slackId, `claim ${h.conversationId}`);
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe('ephemeral');
    expect(res.body.text).toMatch(/^Could not claim: .*held by agent Mia/);
    expect((await webchatConversation(d.app, h.session)).agent_id).toBe(mia.id);
  });

  it("sends the holding agent's thread reply to the customer (web chat history) without echoing it into the thread", async () => {
    const before = threadTexts(fake, h.ts).length;
    const res = await channelMessage(url(), { user: mia.slackId, threadTs: h.ts, text: 'Hi, I am Mia &amp; I can help <@UOLA0001>' });
    expect(res.status).toBe(200);
    await eventually(async () => expect(await agentLines(h.session)).toEqual(['Hi, I am Mia & I can help @UOLA0001']));
    await webchatSays(d.app, 'thanks Mia', h.session);
    await fake.waitFor(() => threadTexts(fake, h.ts).includes('*Customer:* thanks Mia'));
    expect(threadTexts(fake, h.ts).slice(before).filter((t) => t.includes('I am Mia'))).toEqual([]);
  });

  it('sends a redelivered reply once', async () => {
    const ts = '1700000000.000777';
    await channelMessage(url(), { user: mia.slackId, threadTs: h.ts, text: 'one moment please', ts });
    await channelMessage(url(), { user: mia.slackId, threadTs: h.ts, text: 'one moment please', ts });
    await eventually(async () => expect((await agentLines(h.session)).filter((t) => t === 'one moment please')).toHaveLength(1));
  });

  it('never passes edits, deletions, bot posts or its own posts to the customer', async () => {
    const before = await agentLines(h.session);
    const edit = { type: 'message', user: mia.slackId, text: 'edited words', ts: '1700000000.000777', thread_ts: h.ts };
    await channelMessage(url(), { subtype: 'message_changed', threadTs: h.ts, extra: { message: edit, previous_message: { ...edit, text: 'one moment please' }, hidden: true } });
    await channelMessage(url(), { subtype: 'message_deleted', threadTs: h.ts, extra: { deleted_ts: '1700000000.000777', previous_message: edit, hidden: true } });
    await channelMessage(url(), { subtype: 'bot_message', botId: 'BOTHER01', threadTs: h.ts, text: 'another bot speaks' });
    await channelMessage(url(), { user: 'UBOT0001', botId: 'BBOT0001', threadTs: h.ts, text: '*Customer:* thanks Mia' });
    await channelMessage(url(), { user: mia.slackId, text: 'top-level chatter, not in a thread' });
    await sleep(300);
    expect(await agentLines(h.session)).toEqual(before);
  });

  it('refuses a Slack user without a Patron account', async () => {
    await channelMessage(url(), { user: 'UNOBODY01', threadTs: h.ts, text: 'hello customer' });
    const res = await slash(url(), 'UNOBODY01', `resolve ${h.conversationId}`);
    expect(res.body.text).toBe(LINK_FIRST);
    await eventually(() => expect(noticesTo(fake, 'UNOBODY01').filter((t) => t.includes(LINK_FIRST))).toHaveLength(1));
    expect((await webchatConversation(d.app, h.session)).owner).toBe('agent');
  });

  it('hands back with /patron handback; the thread says so and the parent shows the bot', async () => {
    const res = await slash(url(), mia.slackId, `handback ${h.conversationId}`);
    expect(res.body.text).toBe(`Conversation ${h.conversationId} is back with the bot.`);
    expect((await webchatConversation(d.app, h.session)).owner).toBe('bot');
    await fake.waitFor(() => fake.okCallsTo('chat.update').some((c) => c.params.ts === h.ts && String(c.params.text).includes('back with the bot')));
    await fake.waitFor(() => threadTexts(fake, h.ts).some((t) => t.startsWith('_System:_') && /back|bot/i.test(t) && !t.includes('talking to')));
  });

  it('reuses the thread when the customer asks again, and resolves from the queue with /patron resolve', async () => {
    await webchatSays(d.app, 'I want a human again', h.session);
    await fake.waitFor(() => threadTexts(fake, h.ts).includes('*Customer:* I want a human again'));
    expect(parentsOf(fake, h.conversationId)).toHaveLength(1);
    const res = await slash(url(), mia.slackId, `resolve ${h.conversationId}`);
    expect(res.body.text).toBe(`Conversation ${h.conversationId} is resolved.`);
    expect((await webchatConversation(d.app, h.session)).owner).toBe('bot');
    const again = await slash(url(), mia.slackId, `resolve ${h.conversationId}`);
    expect(again.body.text).toMatch(/^Could not resolve: /);
  });

  it('answers an unknown sub-command with the usage line', async () => {
    expect((await slash(url(), mia.slackId, 'dance')).body.text).toMatch(/^Usage: `\/patron claim/);
    expect((await slash(url(), mia.slackId, 'claim not-a-conversation')).body.text).toMatch(/^Could not claim: conversation not-a-conversation does not exist/);
  });
});
