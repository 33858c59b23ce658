import type { Flow } from './flow.js';
import { helpMenu } from './help.flow.js';

/** Says hello (by name when known) and shows what the bot can do. */
export const greetingFlow: Flow = {
  name: 'greeting',
  intents: ['greeting'],
  async start(ctx) {
    const name = ctx.customer.name ?? ctx.message.sender.name;
    const text = name ? ctx.t('greeting.named', { name }) : ctx.t('greeting.anonymous');
    ctx.reply({ text, quickReplies: helpMenu(ctx).quickReplies });
  },
};

/** Friendly close of a conversation. */
export const goodbyeFlow: Flow = {
  name: 'goodbye',
  intents: ['goodbye'],
  async start(ctx) {
    ctx.reply(ctx.t('goodbye'));
  },
};

/** Answers thanks. */
export const thanksFlow: Flow = {
  name: 'thanks',
  intents: ['thanks'],
  async start(ctx) {
    ctx.reply(ctx.t('thanks'));
  },
};
