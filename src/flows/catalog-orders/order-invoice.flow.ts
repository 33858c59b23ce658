import type { Order } from '../../crm/orders/order.types.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow, type Flow } from '../flow.js';
import { day, money, promptOrder, resumeOrderStep, withOrder } from './order-lookup.js';
import { productName } from './product-answer.js';
import { resumeSteps, type StepFlow } from './steps.js';

const NAME = 'order-invoice';

async function itemLines(ctx: FlowContext, order: Order): Promise<string> {
  const lines = await Promise.all(
    order.items.map(async (i) => {
      const p = await ctx.services.catalog.get(i.sku);
      return `• ${i.quantity} × ${p ? productName(ctx, p) : i.sku} — ${money(ctx, i.price, order.currency)}`;
    }),
  );
  return lines.join('\n');
}

/**
 * What Patron knows about the invoice: the shop issues it on payment with the order number as its
 * reference and keeps the PDF in the customer's shop account; Patron shows the billed lines.
 */
async function showInvoice(ctx: FlowContext, order: Order): Promise<void> {
  endFlow(ctx);
  if (!order.paid_at) {
    ctx.reply(ctx.t(order.status === 'cancelled' ? 'co.invoice.cancelled_unpaid' : 'co.invoice.unpaid', { id: order.id }));
    return;
  }
  const text = [
    ctx.t('co.invoice.header', { id: order.id, date: day(ctx, order.paid_at), total: money(ctx, order.total, order.currency) }),
    await itemLines(ctx, order),
    order.status === 'refunded' || order.status === 'cancelled' ? ctx.t('co.invoice.credit_note', { date: day(ctx, order.refunded_at ?? order.cancelled_at) }) : undefined,
    ctx.t('co.invoice.where', { id: order.id }),
  ];
  ctx.reply(text.filter(Boolean).join('\n'));
}

const steps: StepFlow = {
  name: NAME,
  prompt: (ctx) => promptOrder(ctx, NAME),
  answer: (ctx) => resumeOrderStep(ctx, NAME, showInvoice),
};

/** "I need the invoice for my order": the billed lines, reference and where the PDF is — own paid orders only. */
export const orderInvoiceFlow: Flow = {
  name: NAME,
  intents: ['check_invoice', 'get_invoice'],
  start: (ctx) => withOrder(ctx, NAME, showInvoice),
  resume: (ctx) => resumeSteps(ctx, steps),
};
