import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import type { OrderEvent } from '../orders/order-events.js';
import type { LedgerRepository } from './ledger.repository.js';
import type { LoyaltyConfig } from './loyalty.config.js';
import { addDays } from './loyalty-dates.js';
import type { LoyaltyMember } from './loyalty.types.js';
import type { MemberRepository } from './member.repository.js';
import { ORDER_LINKED_KINDS } from './points-lots.js';
import type { PointsService } from './points.service.js';
import type { TierChangeResult, TierService } from './tier.service.js';

/** Points for orders, birthdays and reviews. Every credit has a key that makes a replay a no-op. */
export class EarningService {
  constructor(
    private readonly db: Db,
    private readonly config: LoyaltyConfig,
    private readonly ledger: LedgerRepository,
    private readonly members: MemberRepository,
    private readonly points: PointsService,
    private readonly tiers: TierService,
    private readonly clock: Clock,
    /** Runs inside the transaction that changed the tier. */
    private readonly onTierChange: (c: TierChangeResult, trx: Db) => Promise<void>,
  ) {}

  /** Points for an order total at a tier: floor(total × rate × multiplier), in whole points. */
  orderPoints(total: number, currency: string, tierId: string): number {
    const rate = this.config.earning.currencyRates[currency] ?? this.config.earning.pointsPerUnit;
    // Round away float noise first (19.99 × 100 is 1998.9999…), then floor.
    return Math.max(0, Math.floor(Number((total * rate * this.tiers.tier(tierId).multiplier).toFixed(6))));
  }

  async onOrderEvent(event: OrderEvent): Promise<void> {
    if (!event.order.customerId) return;
    if (event.type === 'order.paid' || event.type === 'order.delivered') return this.earn(event);
    if (event.type === 'order.refunded' || event.type === 'order.cancelled') return this.reverse(event);
  }

  /** Runs `fn` with the member locked; non-members (and suspended members) are skipped quietly. */
  private async forMember<T>(customerId: string, fn: (trx: Db, m: LoyaltyMember) => Promise<T>): Promise<T | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const member = await this.members.lock(customerId, trx);
      if (!member || member.status !== 'active') return undefined;
      return fn(trx, member);
    });
  }

  /** Credits an order once, on whichever of paid / delivered arrives first. */
  private async earn(event: OrderEvent): Promise<void> {
    const { order } = event;
    await this.forMember(order.customerId, async (trx, member) => {
      // A cancellation or refund that arrived first closes the order for earning.
      if (await this.ledger.hasKey(`order:${order.id}:reverse`, trx)) return null;
      const earnedAt = event.occurredAt;
      const availableAt = addDays(earnedAt, this.config.returnWindowDays);
      const base = this.orderPoints(order.total, order.currency, member.tier);
      const common = { customerId: order.customerId, orderId: order.id, availableAt, earnedAt };
      const id = await this.points.credit({ ...common, delta: base, kind: 'earn_order', idempotencyKey: `order:${order.id}:earn`, reason: `order ${order.id} ${event.type}` }, trx);
      if (!id) return null;
      const bonus = this.config.earning.firstOrderBonus;
      if (bonus > 0) {
        await this.points.credit({ ...common, delta: bonus, kind: 'earn_first_order', idempotencyKey: `first-order:${order.customerId}`, reason: `first order ${order.id}` }, trx);
      }
      const extra = await this.birthdayExtra(order.customerId, base, earnedAt, trx);
      if (extra > 0) {
        await this.points.credit({ ...common, delta: extra, kind: 'earn_birthday', idempotencyKey: `order:${order.id}:birthday`, reason: `birthday month bonus on order ${order.id}` }, trx);
      }
      const change = await this.tiers.evaluate(member, this.clock.now(), trx, false);
      if (change) await this.onTierChange(change, trx);
    });
  }

  private async birthdayExtra(customerId: string, base: number, at: Date, trx: Db): Promise<number> {
    const rule = this.config.earning.birthday;
    if (rule.type !== 'multiplier' || base <= 0) return 0;
    const month = (await this.members.customer(customerId, trx))?.birthday_month ?? null;
    return month === at.getUTCMonth() + 1 ? Math.floor(base * (rule.factor - 1)) : 0;
  }

  /**
   * Takes back what an order earned (base, first-order and birthday points) — never more than the
   * balance holds; a shortfall (points already spent) is written into the reason. With nothing
   * earned yet the zero entry still closes the order, so a late `paid` cannot credit it.
   */
  private async reverse(event: OrderEvent): Promise<void> {
    const { order } = event;
    await this.forMember(order.customerId, async (trx) => {
      const key = `order:${order.id}:reverse`;
      if (await this.ledger.hasKey(key, trx)) return;
      const earned = await this.ledger.orderCredits(order.id, ORDER_LINKED_KINDS, trx);
      const total = await this.ledger.total(order.customerId, trx);
      const amount = Math.max(0, Math.min(earned, total));
      const shortfall = earned - amount;
      const reason = `order ${order.id} ${event.type.slice('order.'.length)}: ${earned} earned points reversed` +
        (shortfall > 0 ? `; ${shortfall} already spent and not recoverable` : '');
      await this.ledger.append(
        { customerId: order.customerId, delta: -amount, kind: 'reverse_refund', idempotencyKey: key, orderId: order.id, reason, createdAt: this.clock.now() },
        trx,
      );
    });
  }

  /** Fixed birthday bonus for members whose birthday month is `now`'s (UTC); once per member per year. */
  async awardBirthdayBonuses(now: Date): Promise<{ awarded: number; points: number }> {
    const rule = this.config.earning.birthday;
    if (rule.type !== 'fixed' || rule.points <= 0) return { awarded: 0, points: 0 };
    const year = now.getUTCFullYear();
    let awarded = 0;
    let after: string | null = null;
    for (;;) {
      const ids = await this.members.birthdayMembers(now.getUTCMonth() + 1, after, 200);
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      for (const customerId of ids) {
        const id = await this.forMember(customerId, (trx) =>
          this.points.credit({ customerId, delta: rule.points, kind: 'earn_birthday', idempotencyKey: `birthday:${customerId}:${year}`, reason: `birthday bonus ${year}`, earnedAt: now }, trx),
        );
        if (id) awarded++;
      }
    }
    return { awarded, points: awarded * rule.points };
  }

  /** Review bonus, once per order and SKU, for an order that belongs to the customer. */
  async recordReview(customerId: string, review: { orderId: string; sku?: string }): Promise<{ awarded: boolean; points: number }> {
    const order = await this.members.order(review.orderId);
    if (!order || order.customer_id !== customerId) throw new AppError('not_found', `order ${review.orderId} does not belong to customer ${customerId}`);
    if (order.status === 'cancelled' || order.status === 'refunded') throw new AppError('conflict', `order ${review.orderId} was ${order.status}; reviews of it earn no points`);
    const items = Array.isArray(order.items) ? (order.items as Array<{ sku?: string }>) : [];
    if (review.sku && !items.some((i) => i.sku === review.sku)) throw new AppError('bad_request', `order ${review.orderId} has no item ${review.sku}`);
    const points = this.config.earning.reviewBonus;
    if (points <= 0) return { awarded: false, points: 0 };
    const now = this.clock.now();
    const id = await this.points.withMember(customerId, (trx) =>
      this.points.credit(
        { customerId, delta: points, kind: 'earn_review', idempotencyKey: `review:${review.orderId}:${review.sku ?? '*'}`, orderId: review.orderId, reason: `review of ${review.sku ?? 'order'} ${review.orderId}`, earnedAt: now },
        trx,
      ),
    );
    return { awarded: Boolean(id), points: id ? points : 0 };
  }
}
