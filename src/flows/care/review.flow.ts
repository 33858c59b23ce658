import { AppError } from '../../core/errors.js';
import type { FlowContext } from '../flow-context.js';
import type { Flow } from '../flow.js';
import { endFlow } from '../flow.js';
import { ask, begin, changedSubject, choose, goTo, leavesFreeText, navigate, orderNumbersIn, type Choice } from './care-kit.js';
import { pendingSurvey, recordScore, scoreInSentence } from './survey.flow.js';

const FLOW = 'care.review';
const OWN = ['review'];
const GENERIC_EN = /\b(i|i'd|i'm|want|wanna|to|leave|write|post|submit|give|a|an|the|review|reviews|rate|rating|feedback|comment|about|for|my|of|your|service|purchase|order|product|how|do|can|could|you|help|me|please|like|would|need|some|make|hi|hello|company|on|it)\b/gi;
const GENERIC_ZH = /我|想|要|写|评价|评论|反馈|提交|发表|给|订单|商品|服务|一下|个|的|怎么|如何|帮|请|你们|麻烦|急|吗|可以|能/gu;

interface ReviewData {
  orderId?: string;
  orderAsked?: boolean;
  text?: string;
}

const data = (ctx: FlowContext) => (ctx.session.data ?? {}) as ReviewData;

/** Whether the message already holds the feedback itself rather than only "I want to review". */
function hasContent(text: string): boolean {
  const latin = text.replace(/[^A-Za-z'\s]/g, ' ').replace(GENERIC_EN, ' ').trim();
  if (latin.split(/\s+/).filter(Boolean).length >= 3) return true;
  return (text.match(/[\u3400-\u9fff]/gu) ?? []).join('').replace(GENERIC_ZH, '').length >= 4;
}

async function orderChoices(ctx: FlowContext): Promise<Choice<string>[]> {
  const recent = await ctx.services.orders.recentForCustomer(ctx.customer.id, 3);
  return [
    ...recent.map((o) => ({ value: o.id, label: o.id })),
    { value: 'none', label: ctx.t('care.review.general'), words: /^(no|none|general|no order|skip|没有|无|跳过|一般|整体)$/ },
  ];
}

async function askStep(ctx: FlowContext, step: string): Promise<void> {
  if (step === 'order') ask(ctx, ctx.t('care.review.ask_order'), 'care.order', await orderChoices(ctx));
  else ctx.reply(ctx.t('care.review.ask_text'));
}

async function takeOrder(ctx: FlowContext, number: string): Promise<void> {
  const order = await ctx.services.orders.findForCustomer(ctx.customer.id, number);
  ctx.session.data = { ...ctx.session.data, orderAsked: true, orderId: order?.id };
  if (!order) ctx.reply(ctx.t('care.review.order_unmatched', { number }));
}

async function proceed(ctx: FlowContext): Promise<void> {
  const d = data(ctx);
  const step = !d.orderAsked ? 'order' : !d.text ? 'text' : undefined;
  if (!step) return save(ctx);
  goTo(ctx, FLOW, step);
  await askStep(ctx, step);
}

/** The review bonus for a verified order (once per order, enforced by the ledger key). */
async function bonus(ctx: FlowContext, orderId: string): Promise<string> {
  const member = await ctx.services.loyalty.member(ctx.customer.id);
  if (!member) return 'care.review.thanks_join';
  try {
    const { awarded, points } = await ctx.services.loyalty.recordReview(ctx.customer.id, { orderId });
    ctx.session.data = { ...ctx.session.data, points };
    return awarded ? 'care.review.thanks_bonus' : 'care.review.thanks_bonus_done';
  } catch (err) {
    // A cancelled or refunded order earns nothing; the feedback itself is still kept.
    if (err instanceof AppError && (err.code === 'conflict' || err.code === 'not_found')) return 'care.review.thanks';
    throw err;
  }
}

async function save(ctx: FlowContext): Promise<void> {
  const { orderId, text = '' } = data(ctx);
  // Feedback is kept as a low-priority ticket so staff see it next to complaints.
  await ctx.services.tickets.create({
    customerId: ctx.customer.id,
    channel: ctx.message.channel,
    category: 'other',
    priority: 'low',
    subject: `Review${orderId ? ` of ${orderId}` : ''}: ${text.replace(/\s+/g, ' ').slice(0, 100)}`,
    description: text,
    ...(orderId ? { orderId } : {}),
    conversationId: ctx.conversation.id,
    actor: 'bot',
    idempotencyKey: ctx.idempotencyKey('review'),
  });
  const key = orderId ? await bonus(ctx, orderId) : 'care.review.thanks';
  const points = (ctx.session.data?.points as number | undefined) ?? 0;
  endFlow(ctx);
  const message = ctx.t(key, { points, order: orderId });
  ctx.reply(key === 'care.review.thanks_join' ? { text: message, quickReplies: [{ label: ctx.t('menu.membership'), payload: 'intent:join_membership' }] } : message);
}

/** "I want to leave a review": which order (optional), the feedback, then thanks and a points bonus. */
export const reviewFlow: Flow = {
  name: FLOW,
  intents: OWN,
  async start(ctx) {
    const text = ctx.message.text?.trim() ?? '';
    // "I'd rate it 5" right after a resolved ticket answers its survey.
    const score = scoreInSentence(text);
    const ticket = score ? await pendingSurvey(ctx) : undefined;
    if (score && ticket) return recordScore(ctx, ticket, score);
    begin(ctx, FLOW);
    if (hasContent(text)) ctx.session.data = { ...ctx.session.data, text };
    const mentioned = orderNumbersIn(text);
    if (mentioned.length) await takeOrder(ctx, mentioned[0]);
    await proceed(ctx);
  },
  async resume(ctx) {
    if (await navigate(ctx, askStep)) return true;
    if (ctx.session.step === 'order') {
      const picked = choose(ctx, 'care.order', await orderChoices(ctx));
      const typed = orderNumbersIn(ctx.message.text ?? '');
      if (picked === 'none') ctx.session.data = { ...ctx.session.data, orderAsked: true, orderId: undefined };
      else if (picked || typed.length) await takeOrder(ctx, picked ?? typed[0]);
      else if (changedSubject(ctx, OWN)) return false;
      else if (ctx.message.text && hasContent(ctx.message.text)) {
        // They skipped straight to the feedback: keep it as general feedback.
        ctx.session.data = { ...ctx.session.data, orderAsked: true, text: ctx.message.text.trim() };
      } else {
        await askStep(ctx, 'order');
        return true;
      }
      await proceed(ctx);
      return true;
    }
    const text = ctx.message.text?.trim();
    if (text && leavesFreeText(ctx)) return false;
    if (!text) await askStep(ctx, 'text');
    else {
      ctx.session.data = { ...ctx.session.data, text };
      await proceed(ctx);
    }
    return true;
  },
};
