import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import type { ConsentService } from '../consent/consent.service.js';
import type { LoyaltyConfig } from './loyalty.config.js';
import { nextReviewDate } from './loyalty-dates.js';
import type { LoyaltyMember, Notify } from './loyalty.types.js';
import type { MemberRepository } from './member.repository.js';
import { newCouponCode, type PointsService } from './points.service.js';
import type { TierChangeResult, TierService } from './tier.service.js';

export interface EnrollOptions {
  /** Must be true: joining means accepting the programme terms (version from config). */
  termsAccepted: boolean;
  /** Asked separately and never pre-ticked; recorded as marketing consent only when true. */
  marketingOptIn?: boolean;
  /** The channel the opt-in was given on (needed when `marketingOptIn` is true). */
  channel?: string;
  invitationCode?: string;
  /** The caller tells the member about the welcome bonus itself (a chat flow), so no separate notice is queued. */
  welcomedInConversation?: boolean;
}

export interface EnrollResult {
  member: LoyaltyMember;
  /** False when the customer already was a member (enrolment is idempotent). */
  created: boolean;
  signupBonus: number;
}

/** Joining the programme: terms, restricted-mode entry rules, welcome bonus, optional marketing opt-in. */
export class EnrollmentService {
  constructor(
    private readonly db: Db,
    private readonly config: LoyaltyConfig,
    private readonly members: MemberRepository,
    private readonly points: PointsService,
    private readonly tiers: TierService,
    private readonly consent: Pick<ConsentService, 'grant'>,
    private readonly notify: Notify,
    /** Runs inside the transaction that changed the tier. */
    private readonly onTierChange: (c: TierChangeResult, trx: Db) => Promise<void>,
    private readonly clock: Clock,
  ) {}

  async enroll(customerId: string, options: EnrollOptions): Promise<EnrollResult> {
    const version = this.config.programme.termsVersion;
    if (options?.termsAccepted !== true) throw new AppError('bad_request', `joining the loyalty programme needs acceptance of its terms (version ${version})`);
    if (options.marketingOptIn === true && !options.channel) throw new AppError('bad_request', 'a marketing opt-in needs the channel it was given on');
    const customer = await this.members.customer(customerId);
    if (!customer || customer.erased_at) throw new AppError('not_found', `customer ${customerId} does not exist`);
    const now = this.clock.now();
    const asked = options.marketingOptIn !== undefined;
    const existing = await this.members.find(customerId);
    if (existing) {
      if (existing.terms_version !== version || (asked && !existing.marketing_opt_in_asked)) {
        await this.members.acceptTerms(customerId, version, now, asked);
      }
      await this.recordOptIn(customerId, options);
      return { member: (await this.members.find(customerId))!, created: false, signupBonus: 0 };
    }
    await this.checkEntry(customerId, Number(customer.lifetime_spend ?? 0), options);
    const outcome = await this.join(customerId, options, asked, now);
    await this.recordOptIn(customerId, options);
    return { member: outcome.member, created: outcome.created, signupBonus: outcome.signupBonus };
  }

  /** Restricted programme: minimum spend and/or an invitation (checked again when it is used). */
  private async checkEntry(customerId: string, spent: number, options: EnrollOptions): Promise<void> {
    if (this.config.programme.mode !== 'restricted') return;
    const { minSpend, invitationRequired } = this.config.programme.entry;
    if (minSpend > 0 && spent < minSpend) {
      throw new AppError('forbidden', `membership needs at least ${minSpend} spent; customer ${customerId} has spent ${spent}`);
    }
    if (invitationRequired && !options.invitationCode) throw new AppError('forbidden', 'membership is by invitation: an invitation code is needed');
  }

  private join(customerId: string, options: EnrollOptions, asked: boolean, now: Date) {
    return this.db.transaction().execute(async (trx) => {
      const restricted = this.config.programme.mode === 'restricted' && this.config.programme.entry.invitationRequired;
      if (restricted && !(await this.members.useInvitation(options.invitationCode!, customerId, now, trx))) {
        throw new AppError('forbidden', `invitation code ${options.invitationCode} is unknown, already used or expired`);
      }
      const created = await this.members.insert(
        {
          customerId,
          tier: this.tiers.entryTier.id,
          joinedAt: now,
          termsVersion: this.config.programme.termsVersion,
          marketingOptInAsked: asked,
          nextReviewAt: nextReviewDate(this.config.review, now, now),
        },
        trx,
      );
      const member = (await this.members.lock(customerId, trx))!;
      if (!created) return { member, created, signupBonus: 0, change: null };
      const bonus = this.config.earning.signupBonus;
      if (bonus > 0) {
        await this.points.credit({ customerId, delta: bonus, kind: 'earn_signup', idempotencyKey: `signup:${customerId}`, reason: 'welcome bonus', earnedAt: now }, trx);
      }
      // Recent spend before joining may already qualify for a higher tier.
      const change = await this.tiers.evaluate(member, now, trx, false);
      const fresh = change ? (await this.members.find(customerId, trx))! : member;
      // The notices commit with the membership: a crash cannot leave a member who was never welcomed.
      if (!options.welcomedInConversation) {
        const tier = this.tiers.tier(fresh.tier);
        await this.notify(customerId, {
          key: 'loyalty.welcome',
          vars: { points: bonus, tier: tier.id, tierName: tier.name.en, tierNameZh: tier.name['zh-CN'] },
          dedupeKey: `loyalty:welcome:${customerId}`,
        }, trx);
      }
      if (change) await this.onTierChange(change, trx);
      return { member: fresh, created, signupBonus: bonus, change };
    });
  }

  private async recordOptIn(customerId: string, options: EnrollOptions): Promise<void> {
    if (options.marketingOptIn !== true) return;
    const evidence = `loyalty-enrolment:${customerId}:${this.config.programme.termsVersion}`;
    await this.consent.grant(customerId, options.channel!, 'marketing', 'loyalty_enrolment', evidence);
  }

  /** A single-use invitation code for a restricted programme. */
  async createInvitation(by: string, validDays?: number): Promise<string> {
    const now = this.clock.now();
    const code = newCouponCode().replace(/^PTR-/, 'INV-');
    await this.members.createInvitation(code, by, now, validDays ? new Date(now.getTime() + validDays * 86_400_000) : null);
    return code;
  }
}
