import type { FlowContext } from '../flow-context.js';
import type { Flow } from '../flow.js';
import { endFlow, enterStep } from '../flow.js';
import { askYesNo, confirmation, faqMessage, followUps, shopVars } from './service-replies.js';

const NAME = 'service.delete_account';
const FIRST = 'erase';
const SECOND = 'erase_sure';

/**
 * "Delete my account". A customer known to the shop closes the account there (the shop holds
 * the account; the bot only explains how). For a chat-only customer the bot offers to erase what
 * it holds, asks twice, and only then calls `customers.erase`.
 */
export const deleteAccountFlow: Flow = {
  name: NAME,
  intents: ['delete_account'],
  async start(ctx) {
    const profile = await ctx.services.customers.get(ctx.customer.id);
    if (!profile || profile.erasedAt) {
      endFlow(ctx);
      ctx.reply(ctx.t('service.delete.nothing_held'));
      return;
    }
    if (profile.shopCustomerId) {
      endFlow(ctx);
      const answer = faqMessage(ctx, 'delete_account')!;
      ctx.reply({ ...answer, text: `${answer.text}\n\n${ctx.t('service.delete.shop_linked')}` });
      return;
    }
    enterStep(ctx, NAME, FIRST);
    ctx.reply(askYesNo(ctx, FIRST, ctx.t('service.delete.explain_chat', shopVars(ctx)), {
      yes: ctx.t('service.delete.yes_first'),
      no: ctx.t('service.delete.keep'),
    }));
  },
  async resume(ctx) {
    const step = ctx.session.step === SECOND ? SECOND : FIRST;
    const answer = confirmation(ctx, step);
    if (!answer) return false;
    if (answer === 'no') {
      endFlow(ctx);
      ctx.reply({ text: ctx.t('service.delete.cancelled'), quickReplies: followUps(ctx, ['edit_account', 'contact_customer_service']) });
      return;
    }
    if (step === FIRST) {
      enterStep(ctx, NAME, SECOND);
      ctx.reply(askYesNo(ctx, SECOND, ctx.t('service.delete.confirm_again'), {
        yes: ctx.t('service.delete.yes_final'),
        no: ctx.t('service.delete.keep'),
      }));
      return;
    }
    await erase(ctx);
  },
};

async function erase(ctx: FlowContext): Promise<void> {
  await ctx.services.customers.erase(ctx.customer.id);
  // Nothing of the old conversation may carry over: clear the whole session, not just this flow.
  for (const key of Object.keys(ctx.session)) delete ctx.session[key];
  // The pipeline keeps this object as the cached participant; drop the personal fields it holds.
  ctx.customer.name = null;
  ctx.reply(ctx.t('service.delete.done'));
}
