import type { FlowContext } from '../flow-context.js';
import type { Flow } from '../flow.js';
import { endFlow, enterStep } from '../flow.js';
import { answerOf, formatDate, localized, num } from './care-kit.js';
import { programme } from './programme.js';

const FLOW = 'care.points';
const HISTORY = /\b(history|statement|details|transactions|activity)\b|明细|记录|历史|流水/iu;
const KINDS = ['earn_order', 'earn_signup', 'earn_first_order', 'earn_birthday', 'earn_review', 'reverse_refund', 'expire', 'redeem', 'adjust'];

/** Offers membership to a customer who is not a member yet. */
export function notMember(ctx: FlowContext, key = 'care.points.not_member'): void {
  ctx.reply({ text: ctx.t(key), quickReplies: [{ label: ctx.t('menu.membership'), payload: 'intent:join_membership' }] });
}

async function summary(ctx: FlowContext): Promise<string> {
  const { loyalty } = ctx.services;
  const [b, p] = await Promise.all([loyalty.balance(ctx.customer.id), loyalty.tierProgress(ctx.customer.id)]);
  const lines = [ctx.t('care.points.balance', { total: num(ctx, b.total), available: num(ctx, b.available) })];
  if (b.pending > 0) lines.push(ctx.t('care.points.pending', { pending: num(ctx, b.pending), days: programme().returnWindowDays }));
  if (b.expiringSoon.length > 0) {
    const points = b.expiringSoon.reduce((s, e) => s + e.points, 0);
    const first = b.expiringSoon.reduce((a, e) => (e.at < a ? e.at : a), b.expiringSoon[0].at);
    lines.push(ctx.t('care.points.expiring', { points: num(ctx, points), date: formatDate(ctx, first) }));
  }
  lines.push(ctx.t('care.tiers.yours', { tier: localized(ctx, p.tier.name) }));
  lines.push(
    p.next
      ? ctx.t(p.basis === 'spend' ? 'care.tiers.next_spend' : 'care.tiers.next_points', { needed: num(ctx, p.needed), next: localized(ctx, p.next.name) })
      : ctx.t('care.tiers.top'),
  );
  return lines.join('\n');
}

async function history(ctx: FlowContext): Promise<void> {
  const { entries } = await ctx.services.loyalty.history(ctx.customer.id, 1, 5);
  if (entries.length === 0) {
    ctx.reply(ctx.t('care.points.history_empty'));
    return;
  }
  const lines = entries.map((e) =>
    ctx.t('care.points.history_line', {
      date: formatDate(ctx, e.created_at),
      delta: e.delta > 0 ? `+${num(ctx, e.delta)}` : num(ctx, e.delta),
      what: ctx.t(`care.kind.${KINDS.includes(e.kind) ? e.kind : 'adjust'}`),
      order: e.order_id ?? '',
    }).trim(),
  );
  ctx.reply(`${ctx.t('care.points.history_header')}\n${lines.join('\n')}`);
}

const wantsHistory = (ctx: FlowContext) => ctx.message.payload === 'care.points:history' || HISTORY.test(answerOf(ctx));

/** "How many points do I have?": balance, available vs pending, expiring soon, tier progress; history on request. */
export const pointsFlow: Flow = {
  name: FLOW,
  intents: ['points_balance'],
  async start(ctx) {
    endFlow(ctx);
    if (!(await ctx.services.loyalty.member(ctx.customer.id))) return notMember(ctx);
    ctx.reply({
      text: await summary(ctx),
      quickReplies: [
        { label: ctx.t('care.points.history_button'), payload: 'care.points:history' },
        { label: ctx.t('care.redeem.button'), payload: 'intent:redeem_points' },
      ],
    });
    if (wantsHistory(ctx)) return history(ctx);
    enterStep(ctx, FLOW, 'more');
  },
  async resume(ctx) {
    if (!wantsHistory(ctx)) return false;
    endFlow(ctx);
    await history(ctx);
    return true;
  },
};
