import { AppError } from '../../core/errors.js';
import { CHANGEABLE_STATUSES } from '../../crm/orders/order-rules.js';
import type { Order } from '../../crm/orders/order.types.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow, type Flow } from '../flow.js';
import { customerIdOf } from './customer-ref.js';
import { money, orderNumbersIn, orderSummary, promptOrder, resumeOrderStep, withOrder } from './order-lookup.js';
import { openOrderTicket } from './order-ticket.js';
import { ask, resumeSteps, stepData, yesNo, yesNoButtons, type StepFlow } from './steps.js';

const NAME = 'order-cancel';
const FEE = 'order-cancel-fee';

/** Cancellable orders are confirmed first; anything past that goes to the team as a ticket. */
async function offerCancel(ctx: FlowContext, order: Order): Promise<void> {
  if (order.status === 'cancelled' || order.status === 'refunded') {
    endFlow(ctx);
    ctx.reply(ctx.t(`co.cancel.already_${order.status}`, { id: order.id }));
    return;
  }
  if (!CHANGEABLE_STATUSES.includes(order.status)) return cancelByTicket(ctx, order);
  ask(ctx, NAME, 'confirm', { text: ctx.t('co.cancel.confirm', { summary: orderSummary(ctx, order) }), quickReplies: yesNoButtons(ctx) }, { orderId: order.id });
}

async function cancelByTicket(ctx: FlowContext, order: Order): Promise<void> {
  const number = await openOrderTicket(ctx, order, { category: 'delivery', subject: 'Cancellation request after shipping' });
  endFlow(ctx);
  ctx.reply(ctx.t('co.cancel.ticket', { id: order.id, status: ctx.t(`co.status.${order.status}`), ticket: number }));
}

async function confirmAnswer(ctx: FlowContext): Promise<boolean> {
  const answer = yesNo(ctx);
  if (answer === undefined) return false;
  const orderId = stepData<{ orderId: string }>(ctx).orderId ?? '';
  endFlow(ctx);
  if (!answer) {
    ctx.reply(ctx.t('co.cancel.kept', { id: orderId }));
    return true;
  }
  try {
    const order = await ctx.services.orders.cancel(customerIdOf(ctx), orderId);
    const paid = order.paid_at !== null;
    ctx.reply(ctx.t(paid ? 'co.cancel.done_paid' : 'co.cancel.done', { id: order.id, total: money(ctx, order.total, order.currency) }));
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    // It shipped (or vanished) between the question and the "yes": re-read and say what is true now.
    const order = await ctx.services.orders.findForCustomer(customerIdOf(ctx), orderId);
    if (!order) ctx.reply(ctx.t('co.order.not_found', { id: orderId }));
    else await offerCancel(ctx, order);
  }
  return true;
}

const steps: StepFlow = {
  name: NAME,
  async prompt(ctx, step) {
    if (step !== 'confirm') return promptOrder(ctx, NAME);
    const order = await ctx.services.orders.findForCustomer(customerIdOf(ctx), stepData<{ orderId: string }>(ctx).orderId ?? '');
    if (order) return offerCancel(ctx, order);
    endFlow(ctx);
  },
  answer: (ctx, step) => (step === 'confirm' ? confirmAnswer(ctx) : resumeOrderStep(ctx, NAME, offerCancel)),
};

/** "Cancel my order": cancels while the order is created or paid (after a yes), else opens a ticket. */
export const orderCancelFlow: Flow = {
  name: NAME,
  intents: ['cancel_order'],
  start: (ctx) => withOrder(ctx, NAME, offerCancel),
  resume: (ctx) => resumeSteps(ctx, steps),
};

async function feeFor(ctx: FlowContext, order: Order): Promise<void> {
  endFlow(ctx);
  const key = CHANGEABLE_STATUSES.includes(order.status) ? 'free' : order.status === 'cancelled' || order.status === 'refunded' ? 'closed' : 'shipped';
  ctx.reply(ctx.t(`co.fee.${key}`, { id: order.id, status: ctx.t(`co.status.${order.status}`) }));
}

const feeSteps: StepFlow = {
  name: FEE,
  prompt: (ctx) => promptOrder(ctx, FEE),
  answer: (ctx) => resumeOrderStep(ctx, FEE, feeFor),
};

/** "Is there a cancellation fee?": free until the order ships; for a named order, from its status. */
export const cancellationFeeFlow: Flow = {
  name: FEE,
  intents: ['check_cancellation_fee'],
  async start(ctx) {
    endFlow(ctx);
    if (orderNumbersIn(ctx.message.text).length > 0) return withOrder(ctx, FEE, feeFor);
    ctx.reply(ctx.t('co.fee.general'));
  },
  resume: (ctx) => resumeSteps(ctx, feeSteps),
};
