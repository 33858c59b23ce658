import type { Ticket } from '../../crm/tickets/index.js';
import type { FlowContext } from '../flow-context.js';
import type { Flow } from '../flow.js';
import { endFlow, enterStep } from '../flow.js';
import { formatTime, ticketNumbersIn } from './care-kit.js';
import { armSurveyWatch } from './survey.flow.js';

const FLOW = 'care.ticket_status';
const PHRASES_EN =
  /\b(my|the|open)\s+(support\s+)?(tickets?|cases?)\b|\btickets?\s+(status|number|update)\b|\bstatus of (my|the) (complaint|ticket|case)\b|\b(update|news|progress)\s+on\s+my\s+(complaint|ticket|case)\b/i;
const PHRASES_ZH = /工单|投诉.{0,6}(进度|进展|结果|状态|怎么样|处理得|有回复|有消息)/u;

/**
 * Whether a message asks about tickets: a ticket number (T-000123) or a phrase such as
 * "status of my ticket" / "我的工单". The classifier has no such intent, so this is checked by the
 * complaint flow's start and by the `careShortcuts` middleware.
 */
export function isTicketStatusRequest(text: string): boolean {
  return ticketNumbersIn(text).length > 0 || PHRASES_EN.test(text) || PHRASES_ZH.test(text);
}

function details(ctx: FlowContext, t: Ticket): string {
  const lines = [ctx.t('care.tickets.header', { number: t.number, subject: t.subject, status: ctx.t(`care.status.${t.status}`) })];
  if (t.status === 'open' || t.status === 'pending') {
    const key = t.firstResponseAt ? 'care.tickets.due_resolution' : 'care.tickets.due_first';
    lines.push(ctx.t(key, { firstDue: formatTime(ctx, t.firstResponseDueAt), resolveDue: formatTime(ctx, t.resolutionDueAt) }));
  } else if (t.resolvedAt) {
    lines.push(ctx.t('care.tickets.resolved_at', { at: formatTime(ctx, t.resolvedAt) }));
  }
  if (t.satisfaction) lines.push(ctx.t('care.tickets.rated', { score: t.satisfaction.score }));
  else if (t.status === 'resolved' || t.status === 'closed') lines.push(ctx.t('care.tickets.rate_now'));
  return lines.join('\n');
}

async function showOne(ctx: FlowContext, number: string): Promise<void> {
  const ticket = await ctx.services.tickets.findForCustomer(ctx.customer.id, number);
  if (!ticket) {
    // Someone else's ticket reads exactly like a missing one.
    ctx.reply(ctx.t('care.tickets.not_found', { number }));
    return;
  }
  ctx.reply(details(ctx, ticket));
  if (!ticket.satisfaction && (ticket.status === 'resolved' || ticket.status === 'closed')) armSurveyWatch(ctx);
}

async function showOpen(ctx: FlowContext): Promise<void> {
  const { items } = await ctx.services.tickets.list({ customerId: ctx.customer.id, status: ['open', 'pending'], limit: 5 });
  if (items.length === 0) {
    ctx.reply({ text: ctx.t('care.tickets.none_open'), quickReplies: [{ label: ctx.t('menu.complaint'), payload: 'intent:complaint' }] });
    return;
  }
  const lines = items.map((t) =>
    ctx.t('care.tickets.line', { number: t.number, subject: t.subject.slice(0, 60), status: ctx.t(`care.status.${t.status}`), due: formatTime(ctx, t.resolutionDueAt) }),
  );
  ctx.reply({
    text: `${ctx.t('care.tickets.open_list', { count: items.length })}\n${lines.join('\n')}`,
    quickReplies: items.map((t) => ({ label: t.number, payload: `care.ticket:${t.number}` })),
  });
  enterStep(ctx, FLOW, 'pick');
}

function numberIn(ctx: FlowContext): string | undefined {
  const payload = ctx.message.payload;
  if (payload?.startsWith('care.ticket:')) return payload.slice('care.ticket:'.length);
  return ticketNumbersIn(ctx.message.text ?? '')[0];
}

/** "Status of my ticket", "T-000123", "我的工单": one ticket's state, or the customer's open tickets. */
export const ticketStatusFlow: Flow = {
  name: FLOW,
  // Not an intent of the classifier: reached by the `intent:ticket_status` button, by the
  // complaint flow (ticket phrases classify as complaint) and by the careShortcuts middleware.
  intents: ['ticket_status'],
  async start(ctx) {
    endFlow(ctx);
    ctx.flowName = FLOW;
    const number = numberIn(ctx);
    if (number) await showOne(ctx, number);
    else await showOpen(ctx);
  },
  async resume(ctx) {
    const number = numberIn(ctx);
    if (!number) return false;
    endFlow(ctx);
    await showOne(ctx, number);
    return true;
  },
};
