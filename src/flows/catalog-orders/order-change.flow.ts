import { AppError } from '../../core/errors.js';
import { CHANGEABLE_STATUSES } from '../../crm/orders/order-rules.js';
import type { Order, ShippingAddress } from '../../crm/orders/order.types.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow, type Flow } from '../flow.js';
import { customerIdOf } from './customer-ref.js';
import { promptOrder, resumeOrderStep, withOrder } from './order-lookup.js';
import { openOrderTicket } from './order-ticket.js';
import { ask, resumeSteps, stepData, yesNo, yesNoButtons, type StepFlow } from './steps.js';

const NAME = 'order-change';
const ADDRESS_WORDS = /address|ship(ping)? to|deliver(y)? to|地址|收货|寄到|送到/iu;
const POSTCODE = /^(?=.*\d)[A-Za-z0-9][A-Za-z0-9 -]{1,9}$/;

interface ChangeData {
  orderId?: string;
  address?: ShippingAddress;
  [key: string]: unknown;
}

/** "12 Main St, Apt 4, Springfield, 12345, US" → address parts; undefined when a part is missing. */
export function parseAddress(text: string): ShippingAddress | undefined {
  const parts = text.split(/[,，;；\n]+/u).map((p) => p.trim()).filter(Boolean);
  if (parts.length < 4) return undefined;
  const at = parts.findLastIndex((p, i) => i > 0 && POSTCODE.test(p));
  if (at < 0) return undefined;
  const postalCode = parts[at];
  const rest = parts.filter((_, i) => i !== at);
  if (rest.length < 3) return undefined;
  const [line1] = rest;
  const country = rest[rest.length - 1];
  const city = rest[rest.length - 2];
  const line2 = rest.slice(1, -2).join(', ');
  if (country.length < 2) return undefined;
  return { line1, ...(line2 ? { line2 } : {}), city, postalCode, country };
}

function formatAddress(a: ShippingAddress | null | undefined): string | undefined {
  if (!a) return undefined;
  return [a.name, a.line1, a.line2, a.city, a.region, a.postalCode, a.country].filter(Boolean).join(', ') || undefined;
}

async function chooseChange(ctx: FlowContext, order: Order): Promise<void> {
  const wantsAddress = ctx.understanding?.intent === 'change_shipping_address' || stepData<{ wantsAddress: boolean }>(ctx).wantsAddress;
  if (wantsAddress || ADDRESS_WORDS.test(ctx.message.text ?? '')) return askAddress(ctx, order);
  if (order.status === 'cancelled' || order.status === 'refunded') return closed(ctx, order);
  const quickReplies = [
    { label: ctx.t('co.change.option_address'), payload: 'co:change:address' },
    { label: ctx.t('co.change.option_other'), payload: 'co:change:other' },
  ];
  ask(ctx, NAME, 'what', { text: ctx.t('co.change.ask_what', { id: order.id }), quickReplies }, { orderId: order.id });
}

function closed(ctx: FlowContext, order: Order): void {
  endFlow(ctx);
  ctx.reply(ctx.t('co.change.closed', { id: order.id, status: ctx.t(`co.status.${order.status}`) }));
}

async function askAddress(ctx: FlowContext, order: Order): Promise<void> {
  if (order.status === 'cancelled' || order.status === 'refunded') return closed(ctx, order);
  if (!CHANGEABLE_STATUSES.includes(order.status)) return byTicket(ctx, order, 'Address change after shipping', 'co.change.address_ticket');
  const current = formatAddress(order.shipping_address) ?? ctx.t('co.change.no_address');
  ask(ctx, NAME, 'address', ctx.t('co.change.ask_address', { id: order.id, current }), { orderId: order.id });
}

async function byTicket(ctx: FlowContext, order: Order, subject: string, key: string, description?: string): Promise<void> {
  const ticket = await openOrderTicket(ctx, order, { category: 'delivery', subject, description });
  endFlow(ctx);
  ctx.reply(ctx.t(key, { id: order.id, status: ctx.t(`co.status.${order.status}`), ticket }));
}

async function ownOrder(ctx: FlowContext): Promise<Order | undefined> {
  const { orderId } = stepData<ChangeData>(ctx);
  return orderId ? ctx.services.orders.findForCustomer(customerIdOf(ctx), orderId) : undefined;
}

async function whatAnswer(ctx: FlowContext): Promise<boolean> {
  const order = await ownOrder(ctx);
  if (!order) return false;
  const text = (ctx.message.text ?? '').trim();
  if (ctx.message.payload === 'co:change:address' || ADDRESS_WORDS.test(text)) return askAddress(ctx, order).then(() => true);
  if (ctx.message.payload === 'co:change:other') {
    ask(ctx, NAME, 'details', ctx.t('co.change.ask_details'), { orderId: order.id });
    return true;
  }
  return false;
}

async function detailsAnswer(ctx: FlowContext): Promise<boolean> {
  const text = (ctx.message.text ?? '').trim();
  const order = await ownOrder(ctx);
  if (!order || text.length < 3) return false;
  await byTicket(ctx, order, 'Order change request', 'co.change.other_ticket', text);
  return true;
}

async function addressAnswer(ctx: FlowContext): Promise<boolean> {
  const address = parseAddress(ctx.message.text ?? '');
  if (!address) return false;
  const { orderId } = stepData<ChangeData>(ctx);
  const text = ctx.t('co.change.confirm_address', { id: orderId, address: formatAddress(address) });
  ask(ctx, NAME, 'confirm', { text, quickReplies: yesNoButtons(ctx) }, { orderId, address });
  return true;
}

async function confirmAnswer(ctx: FlowContext): Promise<boolean> {
  const answer = yesNo(ctx);
  if (answer === undefined) return false;
  const order = await ownOrder(ctx);
  if (!order) return false;
  if (!answer) {
    ask(ctx, NAME, 'address', ctx.t('co.change.ask_again'), { orderId: order.id });
    return true;
  }
  const address = stepData<ChangeData>(ctx).address ?? {};
  try {
    await ctx.services.orders.changeAddress(customerIdOf(ctx), order.id, address);
    endFlow(ctx);
    ctx.reply(ctx.t('co.change.address_done', { id: order.id, address: formatAddress(address) }));
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    if (err.code === 'validation_failed') ask(ctx, NAME, 'address', ctx.t('co.change.address_invalid'), { orderId: order.id });
    else await askAddress(ctx, (await ownOrder(ctx)) ?? order); // shipped meanwhile → ticket
  }
  return true;
}

const steps: StepFlow = {
  name: NAME,
  async prompt(ctx, step) {
    if (step === 'order') return promptOrder(ctx, NAME);
    const order = await ownOrder(ctx);
    if (!order) return endFlow(ctx);
    if (step === 'what') return chooseChange(ctx, order);
    if (step === 'details') return ask(ctx, NAME, 'details', ctx.t('co.change.ask_details'), { orderId: order.id });
    if (step === 'confirm') {
      const text = ctx.t('co.change.confirm_address', { id: order.id, address: formatAddress(stepData<ChangeData>(ctx).address) });
      return ask(ctx, NAME, 'confirm', { text, quickReplies: yesNoButtons(ctx) }, { orderId: order.id });
    }
    return askAddress(ctx, order);
  },
  answer(ctx, step) {
    if (step === 'what') return whatAnswer(ctx);
    if (step === 'details') return detailsAnswer(ctx);
    if (step === 'address') return addressAnswer(ctx);
    if (step === 'confirm') return confirmAnswer(ctx);
    return resumeOrderStep(ctx, NAME, chooseChange);
  },
};

/**
 * Changing an order: a new shipping address before it ships (collected and confirmed in steps),
 * a ticket once it has shipped; other changes (items, sizes) always go to the team as a ticket.
 */
export const orderChangeFlow: Flow = {
  name: NAME,
  intents: ['change_order', 'change_shipping_address'],
  start: (ctx) => withOrder(ctx, NAME, chooseChange, { wantsAddress: ctx.understanding?.intent === 'change_shipping_address' || ADDRESS_WORDS.test(ctx.message.text ?? '') }),
  resume: (ctx) => resumeSteps(ctx, steps),
};
