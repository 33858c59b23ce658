import type { Clock } from '../../core/clock.js';
import type { Db } from '../../storage/database.js';
import type { ConsentService } from '../consent/consent.service.js';
import type { OrderEventListener } from '../orders/order-events.js';
import { loadLoyaltyConfig } from './loyalty.config.js';
import type { Notify } from './loyalty.types.js';
import { LoyaltyService } from './loyalty.service.js';

export { LoyaltyService } from './loyalty.service.js';
export type { EnrollOptions, EnrollResult } from './enrollment.service.js';
export type { LoyaltyConfig, RewardConfig } from './loyalty.config.js';
export type { LoyaltyNotification, Notify, PointsBalance, TierProgress } from './loyalty.types.js';

export interface LoyaltyModule {
  loyalty: LoyaltyService;
  listener: OrderEventListener;
  /** Scheduler entry points; each is idempotent and safe to run again for the same `now`. */
  jobs: {
    reviewTiers(now?: Date): ReturnType<LoyaltyService['reviewTiers']>;
    expirePoints(now?: Date): ReturnType<LoyaltyService['expirePoints']>;
    awardBirthdayBonuses(now?: Date): ReturnType<LoyaltyService['awardBirthdayBonuses']>;
  };
}

/**
 * Builds the loyalty module from config/loyalty.json and config/rewards.json (validated; a bad
 * file throws AppError('config_invalid') naming it) and mirrors the rewards catalog into the DB.
 * Run `migrate(db)` first.
 */
export async function buildLoyaltyModule(options: {
  db: Db;
  clock: Clock;
  configDir: string;
  consent: Pick<ConsentService, 'grant'>;
  notify: Notify;
}): Promise<LoyaltyModule> {
  const { loyalty: config, rewards } = loadLoyaltyConfig(options.configDir);
  const loyalty = new LoyaltyService({ db: options.db, clock: options.clock, config, rewards, consent: options.consent, notify: options.notify });
  await loyalty.syncRewards();
  return {
    loyalty,
    listener: loyalty,
    jobs: {
      reviewTiers: (now) => loyalty.reviewTiers(now),
      expirePoints: (now) => loyalty.expirePoints(now),
      awardBirthdayBonuses: (now) => loyalty.awardBirthdayBonuses(now),
    },
  };
}
