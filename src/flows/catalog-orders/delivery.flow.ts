import { DEFAULT_TRANSIT_DAYS, HANDLING_DAYS } from '../../crm/orders/order-rules.js';
import type { Order } from '../../crm/orders/order.types.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow, type Flow } from '../flow.js';
import { customerIdOf, isLinked } from './customer-ref.js';
import { orderNumbersIn, orderSummary, promptOrder, resumeOrderStep, withOrder } from './order-lookup.js';
import { deliveryLine, trackingLine } from './order-status.flow.js';
import { resumeSteps, type StepFlow } from './steps.js';

const NAME = 'delivery';
const IN_FLIGHT: readonly Order['status'][] = ['created', 'paid', 'shipped'];

async function showEstimate(ctx: FlowContext, order: Order): Promise<void> {
  endFlow(ctx);
  const when = deliveryLine(ctx, order) ?? ctx.t(`co.delivery.none_${order.status === 'refunded' ? 'refunded' : 'cancelled'}`);
  ctx.reply([orderSummary(ctx, order), when, trackingLine(ctx, order)].filter(Boolean).join('\n'));
}

/** Typical times when no order is in question: handling plus the usual carrier transit. */
function generalTimes(ctx: FlowContext, linked: boolean): void {
  const days = { handling: HANDLING_DAYS, transit: DEFAULT_TRANSIT_DAYS, total: HANDLING_DAYS + DEFAULT_TRANSIT_DAYS };
  ctx.reply(ctx.t(linked ? 'co.delivery.general' : 'co.delivery.general_unlinked', days));
}

const steps: StepFlow = {
  name: NAME,
  prompt: (ctx) => promptOrder(ctx, NAME),
  answer: (ctx) => resumeOrderStep(ctx, NAME, showEstimate),
};

/**
 * "When will it arrive?": for a named order (or the customer's order still on its way) the
 * estimate from its dates and carrier; otherwise the shop's usual delivery times.
 */
export const deliveryFlow: Flow = {
  name: NAME,
  intents: ['delivery_period'],
  async start(ctx) {
    endFlow(ctx);
    if (orderNumbersIn(ctx.message.text).length > 0) return withOrder(ctx, NAME, showEstimate);
    const linked = await isLinked(ctx);
    const recent = linked ? await ctx.services.orders.recentForCustomer(customerIdOf(ctx), 3) : [];
    if (recent.some((o) => IN_FLIGHT.includes(o.status))) return withOrder(ctx, NAME, showEstimate);
    generalTimes(ctx, linked);
  },
  resume: (ctx) => resumeSteps(ctx, steps),
};
