import type { Order } from '../../crm/orders/order.types.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow, type Flow } from '../flow.js';
import { day, orderSummary, promptOrder, resumeOrderStep, withOrder } from './order-lookup.js';
import { resumeSteps, type StepFlow } from './steps.js';

const NAME = 'order-status';

/** Where the parcel is: carrier and tracking number when shipped, else what happens next. */
export function trackingLine(ctx: FlowContext, order: Order): string | undefined {
  if (!order.tracking_number) return undefined;
  return ctx.t('co.status_flow.tracking', { carrier: order.carrier ?? ctx.t('co.status_flow.carrier_unknown'), tracking: order.tracking_number });
}

/** When it arrives or arrived, from the order's dates and carrier; undefined for cancelled/refunded. */
export function deliveryLine(ctx: FlowContext, order: Order): string | undefined {
  const estimate = ctx.services.orders.estimateDelivery(order);
  if (!estimate) return undefined;
  const key = estimate.delivered ? 'co.delivery.delivered_on' : estimate.by.getTime() < Date.now() ? 'co.delivery.overdue' : 'co.delivery.expected_by';
  return ctx.t(key, { date: day(ctx, estimate.by) });
}

async function showStatus(ctx: FlowContext, order: Order): Promise<void> {
  endFlow(ctx);
  const lines = [
    orderSummary(ctx, order),
    ctx.t(`co.status_flow.${order.status}`, { date: day(ctx, order.cancelled_at ?? order.refunded_at ?? order.delivered_at) }),
    trackingLine(ctx, order),
    order.status === 'delivered' ? undefined : deliveryLine(ctx, order),
  ];
  ctx.reply(lines.filter(Boolean).join('\n'));
}

const steps: StepFlow = {
  name: NAME,
  prompt: (ctx) => promptOrder(ctx, NAME),
  answer: (ctx) => resumeOrderStep(ctx, NAME, showStatus),
};

/** "Where is my order?": status, carrier and tracking number, and when it should arrive — own orders only. */
export const orderStatusFlow: Flow = {
  name: NAME,
  intents: ['track_order'],
  start: (ctx) => withOrder(ctx, NAME, showStatus),
  resume: (ctx) => resumeSteps(ctx, steps),
};
