import type { Order } from '../../crm/orders/order.types.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow, type Flow } from '../flow.js';
import { customerIdOf } from './customer-ref.js';
import { day, money, promptOrder, resumeOrderStep, withOrder } from './order-lookup.js';
import { openOrderTicket } from './order-ticket.js';
import { ask, resumeSteps, stepData, yesNo, yesNoButtons, type StepFlow } from './steps.js';

const NAME = 'order-refund';

interface RefundData {
  orderId?: string;
  /** True when the customer asked for a refund (not only its status). */
  request?: boolean;
  [key: string]: unknown;
}

/** The refund as the order's status tells it; true when nothing has been refunded for a delivered/shipped order. */
function refundStatus(ctx: FlowContext, order: Order): boolean {
  const vars = { id: order.id, total: money(ctx, order.total, order.currency), date: day(ctx, order.refunded_at ?? order.cancelled_at) };
  if (order.status === 'refunded') ctx.reply(ctx.t('co.refund.refunded', vars));
  else if (order.status === 'cancelled') ctx.reply(ctx.t(order.paid_at ? 'co.refund.cancelled_paid' : 'co.refund.cancelled_unpaid', vars));
  else if (order.status === 'created') ctx.reply(ctx.t('co.refund.unpaid', vars));
  else if (order.status === 'paid') ctx.reply(ctx.t('co.refund.cancel_instead', vars));
  else return true;
  return false;
}

async function handle(ctx: FlowContext, order: Order): Promise<void> {
  const request = ctx.understanding?.intent === 'get_refund' || stepData<RefundData>(ctx).request === true;
  endFlow(ctx);
  if (!refundStatus(ctx, order)) return;
  if (request) return askReason(ctx, order.id);
  ask(ctx, NAME, 'offer', { text: ctx.t('co.refund.none_offer', { id: order.id }), quickReplies: yesNoButtons(ctx) }, { orderId: order.id });
}

function askReason(ctx: FlowContext, orderId: string): void {
  ask(ctx, NAME, 'reason', ctx.t('co.refund.ask_reason', { id: orderId }), { orderId, request: true });
}

async function reasonAnswer(ctx: FlowContext): Promise<boolean> {
  const reason = (ctx.message.text ?? '').trim();
  if (reason.length < 3) return false;
  const order = await ctx.services.orders.findForCustomer(customerIdOf(ctx), stepData<RefundData>(ctx).orderId ?? '');
  if (!order) return false;
  const ticket = await openOrderTicket(ctx, order, { category: 'refund', wish: 'refund', subject: 'Refund request', description: reason });
  endFlow(ctx);
  ctx.reply(ctx.t('co.refund.ticket', { id: order.id, ticket }));
  return true;
}

const steps: StepFlow = {
  name: NAME,
  async prompt(ctx, step) {
    const { orderId } = stepData<RefundData>(ctx);
    if (step === 'reason' && orderId) return askReason(ctx, orderId);
    if (step === 'offer' && orderId) {
      return ask(ctx, NAME, 'offer', { text: ctx.t('co.refund.none_offer', { id: orderId }), quickReplies: yesNoButtons(ctx) }, { orderId });
    }
    return promptOrder(ctx, NAME);
  },
  async answer(ctx, step) {
    if (step === 'reason') return reasonAnswer(ctx);
    if (step === 'offer') {
      const yes = yesNo(ctx);
      if (yes === undefined) return false;
      if (yes) askReason(ctx, stepData<RefundData>(ctx).orderId ?? '');
      else {
        endFlow(ctx);
        ctx.reply(ctx.t('co.refund.no_request'));
      }
      return true;
    }
    return resumeOrderStep(ctx, NAME, handle);
  },
};

/**
 * Refunds: where a refund stands (from the order's status and dates), and a request for one on a
 * shipped or delivered order, which becomes a ticket with the wish "refund".
 */
export const orderRefundFlow: Flow = {
  name: NAME,
  intents: ['get_refund', 'track_refund'],
  start: (ctx) => withOrder(ctx, NAME, handle, { request: ctx.understanding?.intent === 'get_refund' }),
  resume: (ctx) => resumeSteps(ctx, steps),
};
