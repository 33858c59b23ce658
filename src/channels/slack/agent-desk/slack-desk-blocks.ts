import { escapeMrkdwn, type Block } from '../slack-blocks.js';
import type { MirrorItem, ThreadSummary } from './slack-desk.types.js';

/** Action ids of the parent message's buttons (outside the customer channel's `patron_(qr|btn)_N`). */
export const DESK_ACTION = /^patron_desk_(claim|handback|resolve)$/;
export type DeskAction = 'claim' | 'handback' | 'resolve' | 'release';

const ITEM_TEXT_MAX = 3500;

/** The parent message: who, where, why, tier, who holds it now, and the claim/hand-back/resolve buttons. */
export function parentMessage(s: ThreadSummary): { text: string; blocks: Block[] } {
  const who = escapeMrkdwn(s.customerName ?? 'Unknown customer');
  const line = `*Hand-off:* ${who} on *${escapeMrkdwn(s.channel)}* · reason *${escapeMrkdwn(s.reason ?? 'agent pick')}* · tier *${escapeMrkdwn(s.tier ?? 'none')}*`;
  const status = `${statusLine(s)} · conversation \`${s.conversationId}\``;
  const buttons = [
    button('claim', 'Claim', s.conversationId, 'primary'),
    button('handback', 'Hand back to bot', s.conversationId),
    button('resolve', 'Resolve', s.conversationId, 'danger'),
  ];
  return {
    text: `Hand-off: ${s.customerName ?? 'Unknown customer'} on ${s.channel} (${s.reason ?? 'agent pick'}, tier ${s.tier ?? 'none'}) — ${statusLine(s)}`,
    blocks: [
      { type: 'section', block_id: 'patron_desk_summary', text: { type: 'mrkdwn', text: line } },
      { type: 'context', block_id: 'patron_desk_status', elements: [{ type: 'mrkdwn', text: status }] },
      { type: 'actions', block_id: 'patron_desk_actions', elements: buttons },
    ],
  };
}

export function statusLine(s: Pick<ThreadSummary, 'owner' | 'agentName'>): string {
  if (s.owner === 'agent') return `held by ${escapeMrkdwn(s.agentName ?? 'an agent')}`;
  if (s.owner === 'queue') return 'waiting in the queue';
  return 'back with the bot';
}

/** One mirrored item as thread text: who said it, then the words (escaped, so nothing pings anyone). */
export function itemText(item: MirrorItem): string {
  const words = escapeMrkdwn(item.text || '(no text)').slice(0, ITEM_TEXT_MAX);
  switch (item.author) {
    case 'customer':
      return `*Customer:* ${words}`;
    case 'bot':
      return `_Bot:_ ${words}`;
    case 'agent':
      return `*${escapeMrkdwn(item.authorName ?? 'Agent')} (agent):* ${words}`;
    case 'note':
      return `:memo: _Note by ${escapeMrkdwn(item.authorName ?? 'staff')}:_ ${words}`;
    default:
      return `_System:_ ${words}`;
  }
}

function button(action: string, label: string, conversationId: string, style?: 'primary' | 'danger'): Block {
  return { type: 'button', action_id: `patron_desk_${action}`, text: { type: 'plain_text', text: label }, value: conversationId, ...(style ? { style } : {}) };
}

/** `/patron` usage, shown for an empty or unknown sub-command. */
export const USAGE = 'Usage: `/patron claim <conversation id>`, `/patron handback <id>`, `/patron release <id>`, `/patron resolve <id>` (the id is in each hand-off thread\'s first message).';
