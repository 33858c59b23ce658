import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import type { LedgerRepository } from './ledger.repository.js';
import type { LoyaltyConfig, TierConfig } from './loyalty.config.js';
import { addMonths, nextReviewDate } from './loyalty-dates.js';
import type { LoyaltyMember, LoyaltyNotification, TierProgress } from './loyalty.types.js';
import type { MemberRepository } from './member.repository.js';

export interface TierChangeResult {
  customerId: string;
  from: string;
  to: string;
  direction: 'up' | 'down';
  at: Date;
}

/** Tier rules: upgrades apply at once, downgrades only on the member's review date. */
export class TierService {
  private readonly levels: readonly TierConfig[];

  constructor(
    private readonly config: LoyaltyConfig,
    private readonly members: MemberRepository,
    private readonly ledger: LedgerRepository,
    private readonly clock: Clock,
  ) {
    this.levels = config.tiers.levels;
  }

  get entryTier(): TierConfig {
    return this.levels[0];
  }

  /** Index of a tier id in the ladder; an id no longer configured counts as the entry tier. */
  rank(tierId: string): number {
    return Math.max(0, this.levels.findIndex((l) => l.id === tierId));
  }

  tier(tierId: string): TierConfig {
    return this.levels[this.rank(tierId)];
  }

  /** Qualifying spend or points over the rolling window ending at `now`. */
  qualifying(customerId: string, now: Date, db?: Db): Promise<number> {
    const since = addMonths(now, -this.config.tiers.windowMonths);
    return this.config.tiers.basis === 'spend' ? this.members.spendSince(customerId, since, db) : this.ledger.earnedSince(customerId, since, db);
  }

  private qualifiedRank(amount: number): number {
    let r = 0;
    this.levels.forEach((l, i) => {
      if (amount >= l.threshold) r = i;
    });
    return r;
  }

  /**
   * Re-evaluates a (locked) member inside `trx`. Upgrades always apply; a downgrade only when
   * `reviewDue`. Records the change in tier_history and returns it, or null when nothing changed.
   */
  async evaluate(member: LoyaltyMember, now: Date, trx: Db, reviewDue: boolean): Promise<TierChangeResult | null> {
    const current = this.rank(member.tier);
    const qualified = this.qualifiedRank(await this.qualifying(member.customer_id, now, trx));
    let target = current;
    if (qualified > current) target = qualified;
    else if (qualified < current && reviewDue) target = this.config.tiers.downgrade === 'one-step' ? current - 1 : qualified;
    if (target === current && this.levels[current].id === member.tier) return null;
    const to = this.levels[target].id;
    const direction = target >= current ? 'up' : 'down';
    const reason = direction === 'up' ? 'qualified for a higher tier' : 'tier review: qualifying amount below threshold';
    await this.members.setTier(member.customer_id, member.tier, to, reason, now, trx);
    return { customerId: member.customer_id, from: member.tier, to, direction, at: now };
  }

  /** The notification for a tier change (reply keys loyalty.tier_upgraded / loyalty.tier_downgraded). */
  notification(change: TierChangeResult): LoyaltyNotification {
    const to = this.tier(change.to);
    return {
      key: change.direction === 'up' ? 'loyalty.tier_upgraded' : 'loyalty.tier_downgraded',
      vars: { tier: to.id, tierName: to.name.en, tierNameZh: to.name['zh-CN'], from: change.from },
      dedupeKey: `loyalty:tier:${change.customerId}:${change.to}:${change.at.toISOString()}`,
    };
  }

  /**
   * Reviews every active member: applies upgrades, and downgrades for those whose review date has
   * come. `onChange` runs inside the member's transaction (its notice commits with the new tier).
   */
  async reviewAll(db: Db, now: Date, onChange: (c: TierChangeResult, trx: Db) => Promise<void>) {
    const summary = { reviewed: 0, upgraded: 0, downgraded: 0 };
    let after: string | null = null;
    for (;;) {
      const page = await this.members.activeAfter(after, 200);
      if (page.length === 0) break;
      after = page[page.length - 1].customer_id;
      for (const m of page) {
        const change = await db.transaction().execute(async (trx) => {
          const member = await this.members.lock(m.customer_id, trx);
          if (!member || member.status !== 'active') return null;
          const due = member.next_review_at <= now;
          const c = await this.evaluate(member, now, trx, due);
          if (due) await this.members.setNextReview(member.customer_id, nextReviewDate(this.config.review, member.joined_at, now), trx);
          if (c) await onChange(c, trx);
          return c;
        });
        summary.reviewed++;
        if (change) {
          if (change.direction === 'up') summary.upgraded++;
          else summary.downgraded++;
        }
      }
    }
    return summary;
  }

  /** Current tier, the next one and what is still needed to reach it, with benefits. */
  async progress(customerId: string): Promise<TierProgress> {
    const member = await this.members.find(customerId);
    if (!member) throw new AppError('not_found', `customer ${customerId} is not a loyalty member`);
    const rank = this.rank(member.tier);
    const tier = this.levels[rank];
    const next = this.levels[rank + 1] ?? null;
    const qualifying = await this.qualifying(customerId, this.clock.now());
    const needed = next ? Math.max(0, Math.round((next.threshold - qualifying) * 100) / 100) : 0;
    return {
      tier: { id: tier.id, name: tier.name, since: member.tier_since },
      next: next ? { id: next.id, name: next.name, threshold: next.threshold } : null,
      basis: this.config.tiers.basis,
      qualifying,
      needed,
      multiplier: tier.multiplier,
      benefits: tier.benefits,
      nextReviewAt: member.next_review_at,
    };
  }
}
