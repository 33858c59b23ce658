import type { FlowContext } from '../flow-context.js';
import type { Flow } from '../flow.js';
import { endFlow, enterStep } from '../flow.js';
import { askYesNo, confirmation, shopVars } from './service-replies.js';

const NAME = 'service.subscription';
const JOIN = 'subscribe';
const LEAVE = 'unsubscribe';

// The classifier sometimes reads "I don't want offers any more" as subscribe: a negation wins.
const NEGATED = /\b(stop|unsubscribe|don'?t|do not|no more|no longer|never|opt[- ]?out)\b|不想|不要|别再|不再|停止|取消|退订|别发/iu;

/**
 * Marketing messages on the channel the customer is writing from. Subscribing asks first and
 * records the opt-in only on an explicit yes; unsubscribing takes effect at once. Both are typed
 * requests (source `keyword`), with this message as evidence so a redelivery records nothing twice.
 */
export const subscriptionFlow: Flow = {
  name: NAME,
  intents: ['subscribe', 'unsubscribe'],
  async start(ctx) {
    const text = ctx.message.text ?? '';
    const wantsOut = ctx.understanding?.intent === 'unsubscribe' || NEGATED.test(text);
    // A bare "yes" / "no" can land here after another flow's question; never act on it alone.
    const bare = ctx.understanding?.source === 'nlu' && confirmation(ctx, JOIN) !== undefined;
    if (wantsOut && !bare) return unsubscribe(ctx);
    if (wantsOut) return ask(ctx, LEAVE, ctx.t('service.unsubscribe.ask'), ctx.t('service.unsubscribe.yes'));
    if (await ctx.services.consent.mayMarket(ctx.customer.id, ctx.message.channel)) {
      endFlow(ctx);
      ctx.reply(ctx.t('service.subscribe.already'));
      return;
    }
    ask(ctx, JOIN, ctx.t('service.subscribe.ask', shopVars(ctx)), ctx.t('service.subscribe.yes'));
  },
  async resume(ctx) {
    const topic = ctx.session.step === LEAVE ? LEAVE : JOIN;
    const answer = confirmation(ctx, topic);
    if (!answer) return false;
    endFlow(ctx);
    if (topic === LEAVE) {
      if (answer === 'yes') return unsubscribe(ctx);
      ctx.reply(ctx.t('service.unsubscribe.kept'));
      return;
    }
    if (answer === 'no') {
      ctx.reply(ctx.t('service.subscribe.declined'));
      return;
    }
    await ctx.services.consent.grant(ctx.customer.id, ctx.message.channel, 'marketing', 'keyword', ctx.idempotencyKey('consent'));
    ctx.reply(ctx.t('service.subscribe.done', shopVars(ctx)));
  },
};

function ask(ctx: FlowContext, topic: string, text: string, yes: string): void {
  enterStep(ctx, NAME, topic);
  ctx.reply(askYesNo(ctx, topic, text, { yes, no: ctx.t('service.answer.no') }));
}

async function unsubscribe(ctx: FlowContext): Promise<void> {
  endFlow(ctx);
  await ctx.services.consent.withdraw(ctx.customer.id, ctx.message.channel, 'marketing', 'keyword', ctx.idempotencyKey('consent'));
  ctx.reply(ctx.t('service.unsubscribe.done'));
}
