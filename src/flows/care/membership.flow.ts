import { AppError } from '../../core/errors.js';
import type { FlowContext } from '../flow-context.js';
import type { Flow } from '../flow.js';
import { endFlow } from '../flow.js';
import { ask, changedSubject, goTo, localized, navigate, num, yesNo, yesNoChoices } from './care-kit.js';
import { earningText, programme, tierLines, tierName } from './programme.js';

const FLOW = 'care.membership';
const OWN = ['join_membership', 'tier_info'];

/** The programme in a few lines: tiers with thresholds and benefits, and how points are earned. */
function overview(ctx: FlowContext): string {
  return [ctx.t('care.tiers.intro'), tierLines(ctx), earningText(ctx)].join('\n');
}

async function tierInfo(ctx: FlowContext): Promise<void> {
  const member = await ctx.services.loyalty.member(ctx.customer.id);
  if (!member) {
    ctx.reply({ text: overview(ctx), quickReplies: [{ label: ctx.t('menu.membership'), payload: 'intent:join_membership' }] });
    return;
  }
  const p = await ctx.services.loyalty.tierProgress(ctx.customer.id);
  const lines = [ctx.t('care.tiers.yours', { tier: localized(ctx, p.tier.name) })];
  lines.push(
    p.next
      ? ctx.t(p.basis === 'spend' ? 'care.tiers.next_spend' : 'care.tiers.next_points', { needed: num(ctx, p.needed), next: localized(ctx, p.next.name) })
      : ctx.t('care.tiers.top'),
  );
  lines.push(ctx.t('care.tiers.benefits', { benefits: (ctx.locale === 'zh-CN' ? p.benefits['zh-CN'] : p.benefits.en).join(ctx.locale === 'zh-CN' ? '、' : ', ') }));
  lines.push(tierLines(ctx));
  ctx.reply(lines.join('\n'));
}

function termsSummary(ctx: FlowContext): string {
  const p = programme();
  return ctx.t('care.join.terms', { version: p.programme.termsVersion, window: p.returnWindowDays, expiry: p.expiryMonths, months: p.tiers.windowMonths });
}

async function askStep(ctx: FlowContext, step: string): Promise<void> {
  if (step === 'terms') ask(ctx, termsSummary(ctx), 'care', yesNoChoices(ctx, 'care.join.accept', 'care.join.decline'));
  // Marketing is its own question and never pre-ticked: anything but an explicit yes is a no.
  else ask(ctx, ctx.t('care.join.marketing'), 'care', yesNoChoices(ctx, 'care.join.marketing_yes', 'care.join.marketing_no'));
}

async function enrol(ctx: FlowContext, marketing: boolean): Promise<void> {
  endFlow(ctx);
  try {
    const result = await ctx.services.loyalty.enroll(ctx.customer.id, { termsAccepted: true, marketingOptIn: marketing, channel: ctx.message.channel, welcomedInConversation: true });
    const tier = tierName(ctx, result.member.tier);
    if (!result.created) {
      ctx.reply(ctx.t('care.join.already', { tier }));
      return;
    }
    ctx.reply({
      text: [ctx.t('care.join.welcome', { tier, points: result.signupBonus }), ctx.t(marketing ? 'care.join.marketing_on' : 'care.join.marketing_off')].join('\n'),
      quickReplies: [
        { label: ctx.t('menu.points'), payload: 'intent:points_balance' },
        { label: ctx.t('care.redeem.button'), payload: 'intent:redeem_points' },
      ],
    });
  } catch (err) {
    if (err instanceof AppError && err.code === 'forbidden') {
      ctx.reply(ctx.t('care.join.restricted'));
      return;
    }
    throw err;
  }
}

async function resumeTerms(ctx: FlowContext): Promise<boolean> {
  const answer = yesNo(ctx);
  if (answer === 'no') {
    endFlow(ctx);
    ctx.reply(ctx.t('care.join.declined'));
  } else if (answer === 'yes') {
    goTo(ctx, FLOW, 'marketing');
    await askStep(ctx, 'marketing');
  } else {
    if (changedSubject(ctx, OWN)) return false;
    ctx.reply(ctx.t('care.join.yes_or_no'));
    await askStep(ctx, 'terms');
  }
  return true;
}

/** "Join the membership" / "会员等级": explains the tiers, enrols with terms and a separate marketing question. */
export const membershipFlow: Flow = {
  name: FLOW,
  intents: OWN,
  async start(ctx) {
    if (ctx.understanding?.intent === 'tier_info') return tierInfo(ctx);
    const member = await ctx.services.loyalty.member(ctx.customer.id);
    if (member) {
      ctx.reply({
        text: ctx.t('care.join.already', { tier: tierName(ctx, member.tier) }),
        quickReplies: [{ label: ctx.t('menu.points'), payload: 'intent:points_balance' }],
      });
      return;
    }
    ctx.reply(overview(ctx));
    goTo(ctx, FLOW, 'terms');
    await askStep(ctx, 'terms');
  },
  async resume(ctx) {
    if (await navigate(ctx, askStep)) return true;
    if (ctx.session.step === 'terms') return resumeTerms(ctx);
    const answer = yesNo(ctx);
    if (answer === undefined && changedSubject(ctx, OWN)) return false;
    await enrol(ctx, answer === 'yes');
    return true;
  },
};
