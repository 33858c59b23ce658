import { AppError } from '../../core/errors.js';
import type { Reward } from '../../crm/loyalty/loyalty.types.js';
import type { FlowContext } from '../flow-context.js';
import type { Flow } from '../flow.js';
import { endFlow } from '../flow.js';
import { answerOf, ask, changedSubject, formatDate, goTo, navigate, num, yesNo, yesNoChoices, type Choice } from './care-kit.js';
import { notMember } from './points.flow.js';

const FLOW = 'care.redeem';
const OWN = ['redeem_points'];

const rewardName = (ctx: FlowContext, r: Reward) => (ctx.locale === 'zh-CN' ? r.name_zh : r.name_en);

async function state(ctx: FlowContext): Promise<{ available: number; rewards: Reward[] }> {
  const [balance, rewards] = await Promise.all([ctx.services.loyalty.balance(ctx.customer.id), ctx.services.loyalty.rewards()]);
  return { available: balance.available, rewards: rewards.filter((r) => r.active).sort((a, b) => a.cost_points - b.cost_points) };
}

function choices(ctx: FlowContext, rewards: Reward[]): Choice<string>[] {
  return rewards.map((r) => ({ value: r.id, label: ctx.t('care.redeem.option', { name: rewardName(ctx, r), cost: num(ctx, r.cost_points) }) }));
}

async function askStep(ctx: FlowContext, step: string): Promise<void> {
  const { available, rewards } = await state(ctx);
  if (step === 'pick') {
    const affordable = rewards.filter((r) => r.cost_points <= available);
    ask(ctx, ctx.t('care.redeem.pick', { available: num(ctx, available) }), 'reward', choices(ctx, affordable));
    return;
  }
  const reward = rewards.find((r) => r.id === ctx.session.data?.rewardId);
  if (!reward) return askStep(ctx, 'pick');
  const text = ctx.t('care.redeem.confirm', { name: rewardName(ctx, reward), cost: num(ctx, reward.cost_points), left: num(ctx, available - reward.cost_points) });
  ask(ctx, text, 'care', yesNoChoices(ctx));
}

function missing(ctx: FlowContext, reward: Reward, available: number): void {
  ctx.reply(ctx.t('care.redeem.missing', { name: rewardName(ctx, reward), cost: num(ctx, reward.cost_points), available: num(ctx, available), missing: num(ctx, reward.cost_points - available) }));
}

async function redeem(ctx: FlowContext, rewardId: string): Promise<void> {
  endFlow(ctx);
  try {
    const coupon = await ctx.services.loyalty.redeem(ctx.customer.id, rewardId, ctx.idempotencyKey('redeem'));
    ctx.reply(ctx.t('care.redeem.done', { code: coupon.code, cost: num(ctx, coupon.points_cost), until: formatDate(ctx, coupon.expires_at) }));
  } catch (err) {
    // Spent elsewhere meanwhile, or out of stock: say so and leave the points alone.
    if (err instanceof AppError && (err.code === 'conflict' || err.code === 'not_found')) {
      ctx.reply(ctx.t('care.redeem.failed'));
      return;
    }
    throw err;
  }
}

/** The reward meant: a tapped button, a number from the list shown (affordable ones), or its name. */
function pickReward(ctx: FlowContext, rewards: Reward[], affordable: Reward[]): Reward | undefined {
  const payload = ctx.message.payload;
  if (payload?.startsWith('reward:')) return rewards.find((r) => `reward:${r.id}` === payload);
  const text = answerOf(ctx).toLowerCase();
  if (/^\d{1,2}$/.test(text)) return affordable[Number(text) - 1];
  return rewards.find((r) => text === r.id || text.includes(r.name_en.toLowerCase()) || text.includes(r.name_zh));
}

async function resumePick(ctx: FlowContext): Promise<boolean> {
  const { available, rewards } = await state(ctx);
  const affordable = rewards.filter((r) => r.cost_points <= available);
  const reward = pickReward(ctx, rewards, affordable);
  if (!reward) {
    if (changedSubject(ctx, OWN)) return false;
    await askStep(ctx, 'pick');
    return true;
  }
  if (reward.cost_points > available) {
    missing(ctx, reward, available);
    return true;
  }
  goTo(ctx, FLOW, 'confirm', { rewardId: reward.id });
  await askStep(ctx, 'confirm');
  return true;
}

/** "Redeem my points": affordable rewards, confirm, a coupon code (once per message). */
export const redeemFlow: Flow = {
  name: FLOW,
  intents: OWN,
  async start(ctx) {
    endFlow(ctx);
    if (!(await ctx.services.loyalty.member(ctx.customer.id))) return notMember(ctx, 'care.redeem.not_member');
    const { available, rewards } = await state(ctx);
    if (rewards.length === 0) {
      ctx.reply(ctx.t('care.redeem.none_offered'));
      return;
    }
    if (!rewards.some((r) => r.cost_points <= available)) return missing(ctx, rewards[0], available);
    goTo(ctx, FLOW, 'pick');
    await askStep(ctx, 'pick');
  },
  async resume(ctx) {
    if (await navigate(ctx, askStep)) return true;
    if (ctx.session.step === 'pick') return resumePick(ctx);
    const answer = yesNo(ctx);
    const rewardId = ctx.session.data?.rewardId as string | undefined;
    if (answer === 'yes' && rewardId) await redeem(ctx, rewardId);
    else if (answer === 'no') {
      endFlow(ctx);
      ctx.reply(ctx.t('care.redeem.kept'));
    } else {
      if (changedSubject(ctx, OWN)) return false;
      await askStep(ctx, 'confirm');
    }
    return true;
  },
};
