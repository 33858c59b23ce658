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
  tellQueued(ctx, reason, result.position);
}

function tellQueued(ctx: FlowContext, reason: string, position: number): void {
  const key = reason === 'repeated_fallback' ? 'handoff.after_fallbacks' : 'handoff.queued';
  ctx.reply(ctx.t(key, { position: position || 1 }), { system: true });
}

/**
 * The hand-off request commits before the turn that tells the customer about it. If the process
 * died in between, the redelivered message finds the thread already queued (the bot is silent
 * there) — this gives it the notice its first delivery never committed. Only the message that
 * asked for the hand-off gets it (matched by its idempotency key), and only while still waiting.
 */
export async function retellQueued(ctx: FlowContext): Promise<void> {
  const request = await ctx.services.handoff.waitingByKey(ctx.idempotencyKey('handoff'));
  if (request) tellQueued(ctx, request.reason, await ctx.services.handoff.position(request.id));
}

/** "I want to talk to a person." */
export const handoffFlow: Flow = {
  name: 'handoff',
  intents: ['contact_human_agent'],
  async start(ctx) {
    await requestHuman(ctx, 'customer_request');
  },
};
