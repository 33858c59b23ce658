import type { Clock } from '../../core/clock.js';
import type { Db } from '../../storage/database.js';
import type { ConsentService } from '../consent/consent.service.js';
import type { OrderEvent, OrderEventListener } from '../orders/order-events.js';
import { EarningService } from './earning.service.js';
import { EnrollmentService, type EnrollOptions, type EnrollResult } from './enrollment.service.js';
import { LedgerRepository } from './ledger.repository.js';
import type { LoyaltyConfig, RewardConfig } from './loyalty.config.js';
import { addMonths } from './loyalty-dates.js';
import { LoyaltyMeasuresRepository, type CustomerMeasures, type ProgrammeMeasures } from './loyalty-measures.repository.js';
import type { Coupon, LoyaltyMember, Notify, PointsBalance, Reward, TierProgress } from './loyalty.types.js';
import { MemberRepository } from './member.repository.js';
import { PointsService } from './points.service.js';
import { RewardRepository } from './reward.repository.js';
import { TierService, type TierChangeResult } from './tier.service.js';

export interface LoyaltyDeps {
  db: Db;
  clock: Clock;
  config: LoyaltyConfig;
  rewards: readonly RewardConfig[];
  consent: Pick<ConsentService, 'grant'>;
  notify: Notify;
}

/**
 * The loyalty programme: membership, points (append-only ledger), rewards, tiers and measures.
 * Also the order-event listener that earns and reverses order points.
 */
export class LoyaltyService implements OrderEventListener {
  readonly name = 'loyalty';
  private readonly members: MemberRepository;
  private readonly points: PointsService;
  private readonly tiers: TierService;
  private readonly earning: EarningService;
  private readonly enrollment: EnrollmentService;
  private readonly rewardRepo: RewardRepository;
  private readonly measuresRepo: LoyaltyMeasuresRepository;

  constructor(private readonly deps: LoyaltyDeps) {
    const { db, clock, config } = deps;
    const ledger = new LedgerRepository(db);
    this.members = new MemberRepository(db);
    this.rewardRepo = new RewardRepository(db);
    this.measuresRepo = new LoyaltyMeasuresRepository(db);
    this.tiers = new TierService(config, this.members, ledger, clock);
    this.points = new PointsService(db, config, ledger, this.members, this.rewardRepo, clock);
    const onTier = (c: TierChangeResult, trx: Db) => deps.notify(c.customerId, this.tiers.notification(c), trx);
    this.earning = new EarningService(db, config, ledger, this.members, this.points, this.tiers, clock, onTier);
    this.enrollment = new EnrollmentService(db, config, this.members, this.points, this.tiers, deps.consent, deps.notify, onTier, clock);
  }

  /** Mirrors config/rewards.json into the rewards table (call once at start). */
  syncRewards(): Promise<void> {
    return this.rewardRepo.sync(this.deps.rewards, this.deps.clock.now());
  }

  enroll(customerId: string, options: EnrollOptions): Promise<EnrollResult> {
    return this.enrollment.enroll(customerId, options);
  }

  createInvitation(by: string, validDays?: number): Promise<string> {
    return this.enrollment.createInvitation(by, validDays);
  }

  member(customerId: string): Promise<LoyaltyMember | undefined> {
    return this.members.find(customerId);
  }

  onOrderEvent(event: OrderEvent): Promise<void> {
    return this.earning.onOrderEvent(event);
  }

  balance(customerId: string): Promise<PointsBalance> {
    return this.points.balance(customerId);
  }

  history(customerId: string, page = 1, pageSize = 20) {
    return this.points.history(customerId, page, pageSize);
  }

  rewards(): Promise<Reward[]> {
    return this.rewardRepo.list();
  }

  redeem(customerId: string, rewardId: string, idempotencyKey: string): Promise<Coupon> {
    return this.points.redeem(customerId, rewardId, idempotencyKey);
  }

  coupons(customerId: string): Promise<Coupon[]> {
    return this.rewardRepo.coupons(customerId);
  }

  useCoupon(code: string, customerId: string, orderId: string): Promise<Coupon> {
    return this.points.useCoupon(code, customerId, orderId);
  }

  adjust(customerId: string, delta: number, reason: string, by: string, idempotencyKey: string, audit?: (trx: Db) => Promise<void>) {
    return this.points.adjust(customerId, delta, reason, by, idempotencyKey, audit);
  }

  async expirePoints(now: Date = this.deps.clock.now()) {
    // Each customer's notice commits with their expiry entries: a run cut short leaves no one expired unnotified.
    return this.points.expirePoints(now, (customerId, points, trx) =>
      this.deps.notify(customerId, { key: 'loyalty.points_expired', vars: { points }, dedupeKey: `loyalty:expired:${customerId}:${now.toISOString()}` }, trx),
    );
  }

  tierProgress(customerId: string): Promise<TierProgress> {
    return this.tiers.progress(customerId);
  }

  tierHistory(customerId: string) {
    return this.members.tierHistory(customerId);
  }

  reviewTiers(now: Date = this.deps.clock.now()) {
    return this.tiers.reviewAll(this.deps.db, now, (c, trx) => this.deps.notify(c.customerId, this.tiers.notification(c), trx));
  }

  awardBirthdayBonuses(now: Date = this.deps.clock.now()) {
    return this.earning.awardBirthdayBonuses(now);
  }

  recordReview(customerId: string, review: { orderId: string; sku?: string }) {
    return this.earning.recordReview(customerId, review);
  }

  customerMeasures(customerId: string): Promise<CustomerMeasures> {
    const m = this.deps.config.measures;
    return this.measuresRepo.forCustomer(customerId, this.deps.clock.now(), m.churnDays, m.activeMinOrders);
  }

  programmeMeasures(): Promise<ProgrammeMeasures> {
    const m = this.deps.config.measures;
    const now = this.deps.clock.now();
    const levels = this.deps.config.tiers.levels;
    const premium = levels.slice(levels.findIndex((l) => l.id === m.premiumFromTier)).map((l) => l.id);
    return this.measuresRepo.programme(now, addMonths(now, -m.revenueWindowMonths), m.churnDays, m.activeMinOrders, premium);
  }

  churnRisk(limit = 100) {
    const m = this.deps.config.measures;
    return this.measuresRepo.churnRisk(this.deps.clock.now(), m.churnDays, m.activeMinOrders, limit);
  }

  rfm(limit = 100, offset = 0) {
    return this.measuresRepo.rfm(limit, offset);
  }
}
