import type { OutboundMessage } from '../core/message.js';
import type { FlowContext } from './flow-context.js';
import type { Flow } from './flow.js';

/** The capabilities offered in the help menu, each a button that starts its flow. */
const MENU: Array<{ key: string; intent: string }> = [
  { key: 'menu.product', intent: 'product_question' },
  { key: 'menu.order', intent: 'track_order' },
  { key: 'menu.membership', intent: 'join_membership' },
  { key: 'menu.points', intent: 'points_balance' },
  { key: 'menu.complaint', intent: 'complaint' },
  { key: 'menu.human', intent: 'contact_human_agent' },
];

/** The help menu as a message with quick replies (payload `intent:<name>`). */
export function helpMenu(ctx: FlowContext): OutboundMessage {
  return {
    text: ctx.t('help.menu'),
    quickReplies: MENU.map((m) => ({ label: ctx.t(m.key), payload: `intent:${m.intent}` })),
  };
}

/** Lists what the bot can do. */
export const helpFlow: Flow = {
  name: 'help',
  intents: ['help'],
  async start(ctx) {
    ctx.reply(helpMenu(ctx));
  },
};
