import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { afterQuickReply, renderMessage } from '../../../src/channels/slack/slack-blocks.js';
import { fromSlackText, inboundFromAction, inboundFromMessage } from '../../../src/channels/slack/slack-inbound.js';
import { buildSlackChannel } from '../../../src/channels/slack/slack.channel.js';
import { blockActions, dmEvent } from '../../fakes/slack-api.fake.js';

const log = pino({ level: 'silent' });
const handle = async () => {
  throw new Error('not called');
};

describe('building the Slack channel', () => {
  it('is off when the bot token or both the signing secret and the app token are missing', () => {
    expect(buildSlackChannel({ env: {}, handle, log })).toBeNull();
    expect(buildSlackChannel({ env: { SLACK_BOT_TOKEN: 'xoxb-1' }, handle, log })).toBeNull();
    expect(buildSlackChannel({ env: { SLACK_SIGNING_SECRET: 's' }, handle, log })).toBeNull();
  });

  it('serves the Events API at one route when a signing secret is set', () => {
    const channel = buildSlackChannel({ env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }, handle, log });
    expect(channel?.adapter.mode).toBe('events');
    expect(channel?.adapter).toMatchObject({ id: 'slack', inline: false, pacing: { perChat: { points: 1, durationMs: 1000 } } });
    expect(channel?.routes).toHaveLength(1);
  });

  it('switches to Socket Mode, with no HTTP route, when SLACK_APP_TOKEN is set', () => {
    const channel = buildSlackChannel({ env: { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }, handle, log });
    expect(channel?.adapter.mode).toBe('socket');
    expect(channel?.routes).toHaveLength(0);
  });
});

describe('Slack message rendering', () => {
  it('keeps quick replies and buttons apart, escapes markup and lists options in the fallback text', () => {
    const body = renderMessage({ text: 'Tom & Jerry <3', quickReplies: [{ label: 'Yes', payload: 'yes' }], buttons: [{ label: 'Shop', url: 'https://s.example' }] });
    expect(body.text).toBe('Tom &amp; Jerry &lt;3\n1. Yes\n2. Shop (https://s.example)');
    expect(body.blocks.map((b) => b.block_id ?? b.type)).toEqual(['section', 'patron_qr_0', 'patron_btn_0']);
  });

  it('splits a long answer into sections under the Block Kit limit', () => {
    const body = renderMessage({ text: `${'a'.repeat(2500)}\n${'b'.repeat(2500)}` });
    const sections = body.blocks.filter((b) => b.type === 'section') as Array<{ text: { text: string } }>;
    expect(sections).toHaveLength(2);
    expect(sections.every((s) => s.text.text.length <= 3000)).toBe(true);
  });

  it('puts at most 25 buttons in one actions block', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ label: `Option ${i}`, payload: `p${i}` }));
    const actions = renderMessage({ text: 'pick', quickReplies: many }).blocks.filter((b) => b.type === 'actions') as Array<{ elements: unknown[] }>;
    expect(actions.map((a) => a.elements.length)).toEqual([25, 5]);
  });

  it('replaces pressed quick replies with the choice and keeps other blocks', () => {
    const { blocks } = renderMessage({ text: 'pick', quickReplies: [{ label: 'Yes', payload: 'yes' }], buttons: [{ label: 'Shop', url: 'https://s.example' }] });
    expect(afterQuickReply(blocks, 'Yes').map((b) => b.block_id ?? b.type)).toEqual(['section', 'patron_btn_0', 'context']);
  });
});

describe('Slack inbound normalisation', () => {
  it('turns Slack markup into plain words', () => {
    expect(fromSlackText('hi <@U1> see <https://x.example|the shop> or <mailto:a@b.example|a@b.example> &amp; &lt;3')).toBe(
      'hi @U1 see the shop (https://x.example) or a@b.example & <3',
    );
  });

  it('uses the message ts in the id so a redelivery is a duplicate', () => {
    const event = dmEvent({ user: 'U1', channel: 'D1', text: 'hi', ts: '1700000000.000100' }).event as never;
    expect(inboundFromMessage(event, 'UBOT')?.id).toBe('evt:D1:1700000000.000100');
  });

  it('skips a file shared without a caption and a message from the bot user', () => {
    expect(inboundFromMessage(dmEvent({ user: 'U1', channel: 'D1', text: '', subtype: 'file_share' }).event as never, 'UBOT')).toBeNull();
    expect(inboundFromMessage(dmEvent({ user: 'UBOT', channel: 'D1', text: 'hi' }).event as never, 'UBOT')).toBeNull();
  });

  it('identifies a button press by its action_ts', () => {
    const message = inboundFromAction(blockActions({ user: 'U1', channel: 'D1', value: 'intent:help', actionTs: '1700000000.5' }) as never);
    expect(message).toMatchObject({ id: 'act:1700000000.5', conversation: 'D1', sender: { id: 'U1' }, payload: 'intent:help' });
  });
});
