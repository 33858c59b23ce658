import { z } from 'zod';
import { readConfigFile } from '../../core/config.js';

const localized = z.object({ en: z.string().min(1), 'zh-CN': z.string().min(1) });
const localizedList = z.object({ en: z.array(z.string().min(1)), 'zh-CN': z.array(z.string().min(1)) });
const points = z.number().int().min(0);

const tierSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'must be a lower-case id such as gold'),
  name: localized,
  /** Qualifying amount over the rolling window: spend (currency units) or points, per `tiers.basis`. */
  threshold: z.number().min(0),
  multiplier: z.number().positive().max(10),
  benefits: localizedList,
});

const reviewSchema = z.discriminatedUnion('type', [
  /** Every `months` months counted from the member's join date. */
  z.object({ type: z.literal('anniversary'), months: z.number().int().min(1).max(60) }),
  /** Once a year on a fixed calendar day (UTC). */
  z.object({ type: z.literal('fixed'), month: z.number().int().min(1).max(12), day: z.number().int().min(1).max(28).default(1) }),
]);

const birthdaySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fixed'), points }),
  /** Order points earned in the birthday month are multiplied by `factor` (the extra is its own entry). */
  z.object({ type: z.literal('multiplier'), factor: z.number().min(1).max(10) }),
  z.object({ type: z.literal('none') }),
]);

export const loyaltyConfigSchema = z
  .object({
    programme: z.object({
      mode: z.enum(['open', 'restricted']),
      termsVersion: z.string().min(1),
      entry: z
        .object({ minSpend: z.number().min(0).default(0), invitationRequired: z.boolean().default(false) })
        .default({ minSpend: 0, invitationRequired: false }),
    }),
    tiers: z.object({
      basis: z.enum(['spend', 'points']),
      windowMonths: z.number().int().min(1).max(60).default(12),
      /** On a review date a member falls to the tier they qualify for, or one step at a time. */
      downgrade: z.enum(['one-step', 'to-qualified']).default('one-step'),
      levels: z.array(tierSchema).min(1),
    }),
    earning: z.object({
      pointsPerUnit: z.number().min(0),
      /** Points per unit for a given currency, overriding `pointsPerUnit` (e.g. {"JPY": 0.01}). */
      currencyRates: z.record(z.string(), z.number().min(0)).default({}),
      signupBonus: points.default(0),
      firstOrderBonus: points.default(0),
      birthday: birthdaySchema.default({ type: 'none' }),
      reviewBonus: points.default(0),
    }),
    returnWindowDays: z.number().int().min(0).max(365),
    expiryMonths: z.number().int().min(1).max(120),
    expiringSoonDays: z.number().int().min(1).max(365).default(30),
    review: reviewSchema,
    measures: z
      .object({
        churnDays: z.number().int().min(1).default(90),
        activeMinOrders: z.number().int().min(1).default(1),
        revenueWindowMonths: z.number().int().min(1).default(12),
        premiumFromTier: z.string().default('gold'),
      })
      .default({ churnDays: 90, activeMinOrders: 1, revenueWindowMonths: 12, premiumFromTier: 'gold' }),
  })
  .superRefine((cfg, ctx) => {
    const levels = cfg.tiers.levels;
    if (levels[0] && levels[0].threshold !== 0) {
      ctx.addIssue({ code: 'custom', path: ['tiers', 'levels', 0, 'threshold'], message: 'of the first (entry) tier must be 0' });
    }
    for (let i = 1; i < levels.length; i++) {
      if (levels[i].threshold <= levels[i - 1].threshold) {
        ctx.addIssue({ code: 'custom', path: ['tiers', 'levels', i, 'threshold'], message: 'must be higher than the tier before it' });
      }
    }
    if (new Set(levels.map((l) => l.id)).size !== levels.length) {
      ctx.addIssue({ code: 'custom', path: ['tiers', 'levels'], message: 'tier ids must be unique' });
    }
    if (!levels.some((l) => l.id === cfg.measures.premiumFromTier)) {
      ctx.addIssue({ code: 'custom', path: ['measures', 'premiumFromTier'], message: 'must name one of the tiers' });
    }
  });

export type LoyaltyConfig = z.infer<typeof loyaltyConfigSchema>;
export type TierConfig = LoyaltyConfig['tiers']['levels'][number];

const rewardSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a lower-case id such as coupon-5'),
  name: localized,
  cost: z.number().int().positive(),
  coupon: z.object({
    type: z.enum(['fixed', 'percent', 'free_shipping']),
    value: z.number().min(0),
    currency: z.string().length(3).optional(),
  }),
  validDays: z.number().int().min(1).max(3650).default(90),
  /** Total coupons that may ever be issued for this reward; absent = unlimited. */
  stock: z.number().int().min(0).optional(),
});

export const rewardsConfigSchema = z
  .object({ rewards: z.array(rewardSchema) })
  .refine((c) => new Set(c.rewards.map((r) => r.id)).size === c.rewards.length, { message: 'reward ids must be unique', path: ['rewards'] });

export type RewardConfig = z.infer<typeof rewardSchema>;

/** Reads and validates `config/loyalty.json` and `config/rewards.json`. */
export function loadLoyaltyConfig(configDir: string): { loyalty: LoyaltyConfig; rewards: RewardConfig[] } {
  const loyalty = readConfigFile(configDir, 'loyalty.json', loyaltyConfigSchema);
  const rewards = readConfigFile(configDir, 'rewards.json', rewardsConfigSchema).rewards;
  return { loyalty, rewards };
}
