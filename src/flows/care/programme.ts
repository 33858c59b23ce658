import { CONFIG_DIR } from '../../core/config.js';
import { loadLoyaltyConfig, type LoyaltyConfig } from '../../crm/loyalty/loyalty.config.js';
import type { FlowContext } from '../flow-context.js';
import { localized, num } from './care-kit.js';

// The loyalty service exposes one member's tier progress but not the ladder itself, which the
// programme explanation needs for non-members: read the same validated config file once.
let cached: LoyaltyConfig | undefined;

/** The loyalty programme as configured (tiers, earning rules). */
export function programme(): LoyaltyConfig {
  cached ??= loadLoyaltyConfig(CONFIG_DIR).loyalty;
  return cached;
}

/** The tier's name in the customer's language (falls back to the id). */
export function tierName(ctx: FlowContext, tierId: string): string {
  const level = programme().tiers.levels.find((l) => l.id === tierId);
  return level ? localized(ctx, level.name) : tierId;
}

/** Tier ladder with thresholds and benefits, one line per tier. */
export function tierLines(ctx: FlowContext): string {
  const basis = programme().tiers.basis;
  return programme()
    .tiers.levels.map((l) =>
      ctx.t(basis === 'spend' ? 'care.tiers.line_spend' : 'care.tiers.line_points', {
        name: localized(ctx, l.name),
        threshold: num(ctx, l.threshold),
        benefits: (ctx.locale === 'zh-CN' ? l.benefits['zh-CN'] : l.benefits.en).join(ctx.locale === 'zh-CN' ? '、' : ', '),
      }),
    )
    .join('\n');
}

/** How points are earned (from the earning rules). */
export function earningText(ctx: FlowContext): string {
  const e = programme().earning;
  return ctx.t('care.tiers.earning', { perUnit: e.pointsPerUnit, signup: e.signupBonus, firstOrder: e.firstOrderBonus, review: e.reviewBonus });
}
