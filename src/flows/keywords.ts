import type { Middleware } from './composer.js';
import type { FlowContext } from './flow-context.js';
import { helpFlow } from './help.flow.js';

type Keyword = 'stop' | 'start' | 'help';

// Exact commands only (after trimming and case folding): "stop" inside a sentence is left to the NLU.
const KEYWORDS: Record<string, Keyword> = {
  stop: 'stop', unsubscribe: 'stop', 'stop all': 'stop', quit: 'stop', '退订': 'stop', '取消订阅': 'stop', td: 'stop',
  start: 'start', subscribe: 'start', unstop: 'start', '订阅': 'start',
  help: 'help', '帮助': 'help', '?': 'help', '/help': 'help',
};

/** Normalises a message to the form keywords are matched in. */
export function keywordOf(text: string | undefined): Keyword | undefined {
  if (!text) return undefined;
  const t = text.trim().toLowerCase().replace(/[.!。！]+$/u, '');
  return KEYWORDS[t];
}

/**
 * STOP / START / HELP before understanding: consent changes take effect on this message, before
 * the next marketing send, whatever the classifier would have said.
 */
export const keywordCommands: Middleware<FlowContext> = async (ctx, next) => {
  const keyword = keywordOf(ctx.message.text);
  if (!keyword) return next();
  ctx.understanding = { intent: `keyword:${keyword}`, confidence: 1, source: 'keyword' };
  const { consent } = ctx.services;
  const evidence = `${ctx.message.channel}:${ctx.message.id}`;
  if (keyword === 'stop') {
    await consent.withdraw(ctx.customer.id, ctx.message.channel, 'marketing', 'keyword', evidence);
    ctx.flowName = 'keyword.stop';
    ctx.reply(ctx.t('consent.stopped'));
  } else if (keyword === 'start') {
    await consent.grant(ctx.customer.id, ctx.message.channel, 'marketing', 'keyword', evidence);
    ctx.flowName = 'keyword.start';
    ctx.reply(ctx.t('consent.started'));
  } else {
    ctx.flowName = 'help';
    await helpFlow.start(ctx);
  }
};
