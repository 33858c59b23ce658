import type { TicketCategory, TicketPriority, TicketWish } from '../../crm/tickets/index.js';
import type { FlowContext } from '../flow-context.js';
import type { Flow } from '../flow.js';
import { requestHuman } from '../handoff.flow.js';
import { ask, begin, changedSubject, choose, formatTime, goTo, leavesFreeText, navigate, orderNumbersIn, type Choice } from './care-kit.js';
import { programme } from './programme.js';
import { scoreSentiment } from './sentiment.js';
import { armSurveyWatch } from './survey.flow.js';
import { isTicketStatusRequest, ticketStatusFlow } from './ticket-status.flow.js';

const FLOW = 'care.complaint';
const OWN = ['complaint', 'payment_issue'];
const PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent'];

interface ComplaintData {
  category?: TicketCategory;
  description?: string;
  orderId?: string;
  orderAsked?: boolean;
  wish?: TicketWish;
  /** Highest sentiment score seen in this complaint. */
  score?: number;
}

const data = (ctx: FlowContext) => (ctx.session.data ?? {}) as ComplaintData;

// Generic complaint openers carry no facts: "I want to make a complaint" still needs "what happened".
const GENERIC_EN = /\b(i|i'd|i'm|want|wanna|would|like|to|make|file|lodge|raise|submit|send|a|an|the|complaint|complain|complaining|about|how|do|can|could|you|help|me|please|hi|hello|hey|report|problem|issue|need|have|with|my|there|is|your|company|service|payment|paying|fix|sort|out|solve|error|asap|it)\b/gi;
const GENERIC_ZH = /我|要|想|投诉|怎么|如何|你好|请|帮|一下|反馈|问题|支付|付款|吗|的|了|处理|解决|有|个/gu;

/** Whether the opening message already says what happened (then it is not asked again). */
export function saysEnough(text: string): boolean {
  const latin = text.replace(/[^A-Za-z0-9'\s]/g, ' ').replace(GENERIC_EN, ' ').trim();
  if (latin.split(/\s+/).filter(Boolean).length >= 3) return true;
  const cjk = (text.match(/[\u3400-\u9fff]/gu) ?? []).join('').replace(GENERIC_ZH, '');
  return cjk.length >= 4;
}

const CATEGORY_RULES: Array<[TicketCategory, RegExp]> = [
  ['payment', /charg|payment|paid twice|card|invoice|扣款|支付|付款|扣费|发票/i],
  ['product', /broken|damaged|defect|quality|not working|doesn't work|faulty|cracked|坏|质量|破损|故障|碎|瑕疵/i],
  ['delivery', /deliver|package|parcel|courier|shipping|arriv|late|lost|快递|物流|配送|包裹|送货|没收到|发货/i],
  ['refund', /refund|money back|退款|退钱/i],
  ['account', /account|log ?in|password|账号|账户|登录|密码/i],
];

function categoryOf(text: string): TicketCategory {
  return CATEGORY_RULES.find(([, re]) => re.test(text))?.[0] ?? 'other';
}

function wishChoices(ctx: FlowContext): Choice<TicketWish>[] {
  return [
    { value: 'refund', label: ctx.t('care.wish.refund'), words: /refund|money back|退款|退钱/ },
    { value: 'replacement', label: ctx.t('care.wish.replacement'), words: /replace|exchange|new one|换|补发/ },
    { value: 'apology', label: ctx.t('care.wish.apology'), words: /apolog|sorry|道歉/ },
    { value: 'other', label: ctx.t('care.wish.other'), words: /other|something else|其他|别的/ },
  ];
}

async function orderChoices(ctx: FlowContext): Promise<Choice<string>[]> {
  const recent = await ctx.services.orders.recentForCustomer(ctx.customer.id, 3);
  return [
    ...recent.map((o) => ({ value: o.id, label: o.id })),
    { value: 'none', label: ctx.t('care.complaint.no_order'), words: /^(no|none|no order|not about an order|skip|n\/a|没有|无|跳过|不是订单|没有订单)$/ },
  ];
}

async function askStep(ctx: FlowContext, step: string): Promise<void> {
  if (step === 'what') {
    ctx.reply(ctx.t(data(ctx).category === 'payment' ? 'care.complaint.ask_what_payment' : 'care.complaint.ask_what'));
  } else if (step === 'order') {
    ask(ctx, ctx.t('care.complaint.ask_order'), 'care.order', await orderChoices(ctx));
  } else {
    ask(ctx, ctx.t('care.complaint.ask_wish'), 'care.wish', wishChoices(ctx));
  }
}

/** Asks the first thing still missing, or files the ticket when nothing is. */
async function proceed(ctx: FlowContext): Promise<void> {
  const d = data(ctx);
  const step = !d.description ? 'what' : !d.orderAsked ? 'order' : !d.wish ? 'wish' : undefined;
  if (!step) return fileTicket(ctx);
  goTo(ctx, FLOW, step);
  await askStep(ctx, step);
}

/** Links the order only when it is the customer's own; anything else is filed without one. */
async function takeOrder(ctx: FlowContext, number: string): Promise<void> {
  const order = await ctx.services.orders.findForCustomer(ctx.customer.id, number);
  ctx.session.data = { ...ctx.session.data, orderAsked: true, orderId: order?.id };
  ctx.reply(ctx.t(order ? 'care.complaint.order_linked' : 'care.complaint.order_unmatched', { number: order?.id ?? number }));
}

async function priorityFor(ctx: FlowContext, score: number): Promise<TicketPriority> {
  let rank = PRIORITIES.indexOf(score >= 0.3 ? 'high' : 'normal');
  // Premium members (gold and up in config) are served first.
  const member = await ctx.services.loyalty.member(ctx.customer.id);
  const ladder = programme().tiers.levels.map((l) => l.id);
  if (member && ladder.indexOf(member.tier) >= ladder.indexOf(programme().measures.premiumFromTier)) rank++;
  return PRIORITIES[Math.min(rank, PRIORITIES.length - 1)];
}

function createTicket(ctx: FlowContext, priority: TicketPriority) {
  const d = data(ctx);
  const description = d.description ?? ctx.message.text ?? '';
  return ctx.services.tickets.create({
    customerId: ctx.customer.id,
    channel: ctx.message.channel,
    category: d.category ?? categoryOf(description),
    priority,
    subject: description.replace(/\s+/g, ' ').trim().slice(0, 120) || 'Complaint',
    description,
    ...(d.wish ? { wish: d.wish } : {}),
    ...(d.orderId ? { orderId: d.orderId } : {}),
    conversationId: ctx.conversation.id,
    actor: 'bot',
    idempotencyKey: ctx.idempotencyKey('ticket'),
  });
}

async function fileTicket(ctx: FlowContext): Promise<void> {
  const ticket = await createTicket(ctx, await priorityFor(ctx, data(ctx).score ?? 0));
  armSurveyWatch(ctx);
  ctx.reply({
    text: ctx.t('care.complaint.created', {
      number: ticket.number,
      priority: ctx.t(`care.priority.${ticket.priority}`),
      firstDue: formatTime(ctx, ticket.firstResponseDueAt),
      resolveDue: formatTime(ctx, ticket.resolutionDueAt),
    }),
    quickReplies: [{ label: ctx.t('care.tickets.button'), payload: 'intent:ticket_status' }],
  });
}

/**
 * Strong anger: the complaint is filed at once as urgent (nothing the customer said is lost and
 * the SLA clock starts) AND a person takes over the conversation.
 */
async function escalate(ctx: FlowContext): Promise<void> {
  const ticket = await createTicket(ctx, 'urgent');
  ctx.reply(ctx.t('care.complaint.escalated', { number: ticket.number }), { system: true });
  await requestHuman(ctx, 'anger', `${ticket.number}: ${ctx.message.text ?? ''}`);
}

/** Notes the mood of a typed message; true when it is strong anger. */
function feel(ctx: FlowContext): boolean {
  if (!ctx.message.text) return false;
  const mood = scoreSentiment(ctx.message.text);
  ctx.session.data = { ...ctx.session.data, score: Math.max(data(ctx).score ?? 0, mood.score) };
  return mood.angry;
}

async function resumeOrder(ctx: FlowContext): Promise<boolean> {
  const picked = choose(ctx, 'care.order', await orderChoices(ctx));
  const typed = orderNumbersIn(ctx.message.text ?? '');
  if (picked === 'none') ctx.session.data = { ...ctx.session.data, orderAsked: true, orderId: undefined };
  else if (picked || typed.length) await takeOrder(ctx, picked ?? typed[0]);
  else if (changedSubject(ctx, OWN)) return false;
  else {
    ask(ctx, ctx.t('care.complaint.order_again'), 'care.order', await orderChoices(ctx));
    return true;
  }
  await proceed(ctx);
  return true;
}

/** "I want to complain" / "我要投诉" / a payment problem: what happened, which order, what they wish. */
export const complaintFlow: Flow = {
  name: FLOW,
  intents: OWN,
  async start(ctx) {
    const text = ctx.message.text?.trim() ?? '';
    if (isTicketStatusRequest(text)) return ticketStatusFlow.start(ctx);
    begin(ctx, FLOW, { category: ctx.understanding?.intent === 'payment_issue' ? 'payment' : undefined, score: 0 });
    if (saysEnough(text)) ctx.session.data = { ...ctx.session.data, description: text };
    if (feel(ctx)) return escalate(ctx);
    const mentioned = orderNumbersIn(text);
    if (mentioned.length) await takeOrder(ctx, mentioned[0]);
    await proceed(ctx);
  },
  async resume(ctx) {
    if (await navigate(ctx, askStep)) return true;
    if (feel(ctx)) {
      if (ctx.session.step === 'what') ctx.session.data = { ...ctx.session.data, description: ctx.message.text };
      await escalate(ctx);
      return true;
    }
    const step = ctx.session.step;
    if (step === 'order') return resumeOrder(ctx);
    if (step === 'wish') {
      const wish = choose(ctx, 'care.wish', wishChoices(ctx));
      if (!wish) {
        if (changedSubject(ctx, OWN)) return false;
        await askStep(ctx, 'wish');
        return true;
      }
      ctx.session.data = { ...ctx.session.data, wish };
      await proceed(ctx);
      return true;
    }
    const text = ctx.message.text?.trim();
    if (text && leavesFreeText(ctx)) return false;
    if (!text) {
      await askStep(ctx, 'what');
      return true;
    }
    ctx.session.data = { ...ctx.session.data, description: text };
    const mentioned = orderNumbersIn(text);
    if (mentioned.length && !data(ctx).orderAsked) await takeOrder(ctx, mentioned[0]);
    await proceed(ctx);
    return true;
  },
};
