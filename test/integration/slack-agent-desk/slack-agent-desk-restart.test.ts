import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../fakes/slack-api.fake.js';
import { tempDataDir } from '../../helpers/app.js';
import { eventually } from '../handoff/workspace.js';
import { agentInSlack, BOT_TOKEN, channelMessage, parentsOf, parentTs, slash, startDeskApp, threadTexts, webchatConversation, webchatHistory, webchatSays, type DeskApp } from './desk-test-app.js';

const data = tempDataDir('patron-slack-desk-restart-');
let fake: FakeSlackApi;
let d: DeskApp | undefined;

beforeAll(async () => {
  fake = await FakeSlackApi.start({ token: BOT_TOKEN });
});
afterAll(async () => {
  await d?.stop();
  await fake?.close();
  data.cleanup();
});

describe('Slack agent desk across a restart', () => {
  it('keeps the thread mapping: a reply in the old thread still reaches the customer, new messages join the old thread', async () => {
    d = await startDeskApp(data.dir, fake);
    const mia = await agentInSlack(d.app, fake, 'UMIA0001', 'Mia');
    const session = await webchatSays(d.app, 'I want a human');
    const conv = await webchatConversation(d.app, session);
    const ts = await parentTs(fake, conv.id);
    expect((await slash(`${d.app.url}/slack/events`, mia.slackId, `claim ${conv.id}`)).body.text).toContain('You hold conversation');
    await fake.waitFor(() => threadTexts(fake, ts).some((t) => t.includes("You're now talking to Mia")));
    await d.stop();
    d = undefined;

    d = await startDeskApp(data.dir, fake);
    const res = await channelMessage(`${d.app.url}/slack/events`, { user: mia.slackId, threadTs: ts, text: 'Back online, still here for you' });
    expect(res.status).toBe(200);
    await eventually(async () => expect((await webchatHistory(d!.app, session)).filter((m) => m.author === 'agent').map((m) => m.text)).toEqual(['Back online, still here for you']), 20_000);
    await webchatSays(d.app, 'great, thanks', session);
    await fake.waitFor(() => threadTexts(fake, ts).includes('*Customer:* great, thanks'));
    expect(parentsOf(fake, conv.id)).toHaveLength(1);
    const all = threadTexts(fake, ts);
    expect(new Set(all).size).toBe(all.length);
  });
});
