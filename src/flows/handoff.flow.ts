import type { HandoffReason } from '../crm/handoff/handoff.types.js';
import type { FlowContext } from './flow-context.js';
import type { Flow } from './flow.js';
import { endFlow } from './flow.js';

/**
 * Puts the conversation in the agent queue and tells the customer; from here on the bot is silent
 * in this thread until an agent hands it back.
 */
export async function requestHuman(ctx: FlowContext, reason: HandoffReason, note?: string): Promise<void> {
  const result = await ctx.services.handoff.request({
    conversation: ctx.conversation,
    reason,
    note: note ?? ctx.message.text,
    priority: reason === 'anger' ? 2 : reason === 'repeated_fallback' ? 1 : 0,
    idempotencyKey: ctx.idempotencyKey('handoff'),
  });
  endFlow(ctx);
  ctx.session.fallbacks = 0;
  // The commit keeps this row in the conversation cache: the next message sees the queue owner.
  ctx.conversation = { ...ctx.conversation, owner: 'queue' };
  const key = reason === 'repeated_fallback' ? 'handoff.after_fallbacks' : 'handoff.queued';
  ctx.reply(ctx.t(key, { position: result.position || 1 }), { system: true });
}

/** "I want to talk to a person." */
export const handoffFlow: Flow = {
  name: 'handoff',
  intents: ['contact_human_agent'],
  async start(ctx) {
    await requestHuman(ctx, 'customer_request');
  },
};
