import type { FlowContext } from '../flow-context.js';

/** Session key recording that this chat identity was linked to a shop customer in this conversation. */
const LINK_KEY = 'coLinkedCustomer';

interface LinkRecord {
  from: string;
  to: string;
}

/**
 * The verified customer behind this turn. Normally `ctx.customer.id`; right after an identity link
 * the pipeline's participant cache may still hand out the placeholder customer the identity was
 * moved away from, so a link made in this conversation is applied on top (only for that exact
 * placeholder id, so no other sender in a shared conversation can inherit it).
 */
export function customerIdOf(ctx: FlowContext): string {
  const link = ctx.session[LINK_KEY] as LinkRecord | undefined;
  return link && link.from === ctx.customer.id ? link.to : ctx.customer.id;
}

/** Records a fresh link so this and later turns act for `customerId`. */
export function rememberLink(ctx: FlowContext, customerId: string): void {
  const from = ctx.customer.id;
  if (from !== customerId) ctx.session[LINK_KEY] = { from, to: customerId } satisfies LinkRecord;
  // The turn's own commit then records the message and conversation under the linked customer.
  ctx.customer = { ...ctx.customer, id: customerId };
  if (ctx.conversation.customer_id === from) ctx.conversation = { ...ctx.conversation, customer_id: customerId };
}

/**
 * True when the chat customer is a shop customer: it has a shop id or orders. Anyone else is a
 * chat-only placeholder and must link their account before seeing any order.
 */
export async function isLinked(ctx: FlowContext): Promise<boolean> {
  const id = customerIdOf(ctx);
  const profile = await ctx.services.customers.get(id);
  if (!profile || profile.erasedAt) return false;
  if (profile.shopCustomerId) return true;
  return (await ctx.services.orders.recentForCustomer(id, 1)).length > 0;
}
