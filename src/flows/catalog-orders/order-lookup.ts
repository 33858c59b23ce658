import type { Order } from '../../crm/orders/order.types.js';
import { extractEntities } from '../nlu/entities.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow } from '../flow.js';
import { startLinking } from './account-link.flow.js';
import { customerIdOf, isLinked } from './customer-ref.js';
import { ask, stepData, yesNo } from './steps.js';

/** Recent orders offered as buttons when no order number was given. */
const RECENT_CHOICES = 3;
// Shop order ids look like "PO-10002" or "A1023"; the entity extractor files the dashed form under SKUs.
const ORDER_LIKE = /^[A-Z]{1,4}-?\d{3,}$/;

/** Order numbers in a message ("order A1023", "#A1023", "订单 PO-10002"), upper-cased. */
export function orderNumbersIn(text: string | undefined): string[] {
  if (!text) return [];
  const e = extractEntities(text);
  return [...new Set([...e.skus.filter((s) => ORDER_LIKE.test(s)), ...e.orderNumbers])];
}

/** What an order flow does once it has the customer's own order. */
export type OrderHandler = (ctx: FlowContext, order: Order) => Promise<void>;

/** Money in the conversation's locale. */
export function money(ctx: FlowContext, amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat(ctx.locale, { style: 'currency', currency }).format(Number(amount));
  } catch {
    return `${Number(amount).toFixed(2)} ${currency}`;
  }
}

/** A calendar date in the conversation's locale (UTC: the shop's timestamps carry no zone of the customer). */
export function day(ctx: FlowContext, date: Date | null | undefined): string {
  if (!date) return '';
  return new Intl.DateTimeFormat(ctx.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(date));
}

/** "PO-10002 of 2 Mar 2025, 1 item, $151.20 (shipped)". */
export function orderSummary(ctx: FlowContext, o: Order): string {
  const items = o.items.reduce((n, i) => n + Number(i.quantity), 0);
  return ctx.t('co.order.summary', {
    id: o.id, date: day(ctx, o.created_at), items, total: money(ctx, o.total, o.currency), status: ctx.t(`co.status.${o.status}`),
  });
}

/** The same neutral answer for an order that does not exist and one of somebody else. */
function notFound(ctx: FlowContext, id: string): void {
  endFlow(ctx);
  ctx.reply(ctx.t('co.order.not_found', { id }));
}

/**
 * Runs `handler` on the order the customer means: the number in the message (looked up only
 * among their own orders), else their most recent orders to confirm. A chat that is not linked
 * to a shop account is told how to link it first. `flow` is the calling flow's name: the
 * confirmation waits in its step `order`, answered through {@link resumeOrderStep}.
 */
export async function withOrder(ctx: FlowContext, flow: string, handler: OrderHandler, extra: Record<string, unknown> = {}): Promise<void> {
  endFlow(ctx);
  if (!(await isLinked(ctx))) return startLinking(ctx, ctx.understanding?.intent);
  const customerId = customerIdOf(ctx);
  const [wanted] = orderNumbersIn(ctx.message.text);
  if (wanted) {
    const order = await ctx.services.orders.findForCustomer(customerId, wanted);
    return order ? handler(ctx, order) : notFound(ctx, wanted);
  }
  const recent = await ctx.services.orders.recentForCustomer(customerId, RECENT_CHOICES);
  if (recent.length === 0) {
    ctx.reply(ctx.t('co.order.none'));
    return;
  }
  askOrder(ctx, flow, recent, extra);
}

// `extra` is the calling flow's own data, kept through the later steps.
function askOrder(ctx: FlowContext, flow: string, recent: Order[], extra: Record<string, unknown> = {}): void {
  const quickReplies = recent.map((o) => ({ label: o.id, payload: `order:${o.id}` }));
  ask(ctx, flow, 'order', { text: ctx.t('co.order.confirm_recent', { summary: orderSummary(ctx, recent[0]) }), quickReplies }, { ...extra, recent: recent.map((o) => o.id) });
}

/** Re-asks the `order` step (for "back" and a misunderstood answer). */
export async function promptOrder(ctx: FlowContext, flow: string): Promise<void> {
  const ids = stepData<{ recent: string[] }>(ctx).recent ?? [];
  const customerId = customerIdOf(ctx);
  const orders = (await Promise.all(ids.map((id) => ctx.services.orders.findForCustomer(customerId, id)))).filter((o): o is Order => !!o);
  if (orders.length === 0) {
    endFlow(ctx);
    ctx.reply(ctx.t('co.order.none'));
    return;
  }
  askOrder(ctx, flow, orders);
}

/**
 * The answer to "is it this order?": an order button, a typed number, "yes" (the most recent
 * one) or "no" (then the number is asked for). False when the answer is none of these.
 */
export async function resumeOrderStep(ctx: FlowContext, flow: string, handler: OrderHandler): Promise<boolean> {
  const data = stepData<{ recent: string[] }>(ctx);
  const payload = ctx.message.payload;
  const wanted = payload?.startsWith('order:') ? payload.slice(6) : orderNumbersIn(ctx.message.text)[0];
  const answer = wanted ? undefined : yesNo(ctx);
  if (answer === false) {
    ask(ctx, flow, 'order', ctx.t('co.order.ask_number'), { recent: data.recent });
    return true;
  }
  const id = wanted ?? (answer === true ? data.recent?.[0] : undefined);
  if (!id) return false;
  const order = await ctx.services.orders.findForCustomer(customerIdOf(ctx), id);
  if (!order) {
    notFound(ctx, id);
    return true;
  }
  await handler(ctx, order);
  return true;
}
