import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import type { LedgerRepository, NewLedgerEntry } from './ledger.repository.js';
import type { LoyaltyConfig } from './loyalty.config.js';
import { addDays, addMonths } from './loyalty-dates.js';
import type { Coupon, LedgerEntry, LoyaltyMember, PointsBalance } from './loyalty.types.js';
import type { MemberRepository } from './member.repository.js';
import { replayLots, summariseLots } from './points-lots.js';
import type { RewardRepository } from './reward.repository.js';

const DAY_MS = 86_400_000;
// Crockford base32 without I, L, O, U: easy to read aloud, 5 bits per character.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** An unguessable single-use coupon code: 80 random bits, e.g. PTR-7KQ2M-X9D4T-B8N3R-Z6WFA. */
export function newCouponCode(): string {
  const bytes = randomBytes(20);
  let out = '';
  for (let i = 0; i < 20; i++) out += CODE_ALPHABET[bytes[i] & 31];
  return `PTR-${out.match(/.{5}/g)!.join('-')}`;
}

/** Balances, history, redemptions, staff adjustments and expiry over the append-only ledger. */
export class PointsService {
  constructor(
    private readonly db: Db,
    private readonly config: LoyaltyConfig,
    private readonly ledger: LedgerRepository,
    private readonly members: MemberRepository,
    private readonly rewards: RewardRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Runs `fn` in a transaction holding the member row lock (`SELECT … FOR UPDATE`), so balance
   * checks and ledger writes for one member never interleave. Throws when not a member.
   */
  async withMember<T>(customerId: string, fn: (trx: Db, member: LoyaltyMember) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      const member = await this.members.lock(customerId, trx);
      if (!member) throw new AppError('not_found', `customer ${customerId} is not a loyalty member`);
      return fn(trx, member);
    });
  }

  /** A credit entry whose points become spendable at `availableAt` and expire after the configured months. */
  credit(e: Omit<NewLedgerEntry, 'expiresAt' | 'createdAt'> & { earnedAt: Date }, trx: Db): Promise<string | null> {
    const { earnedAt, ...rest } = e;
    return this.ledger.append(
      { ...rest, availableAt: e.availableAt ?? earnedAt, expiresAt: addMonths(earnedAt, this.config.expiryMonths), createdAt: this.clock.now() },
      trx,
    );
  }

  async balance(customerId: string, db: Db = this.db): Promise<PointsBalance> {
    const entries = await this.ledger.lotEntries(customerId, db);
    const total = entries.reduce((s, e) => s + e.delta, 0);
    const now = this.clock.now();
    const { available, pending, expiringSoon } = summariseLots(replayLots(entries), now, this.config.expiringSoonDays * DAY_MS);
    return { total, available, pending, expiringSoon };
  }

  /** Ledger entries newest first, `pageSize` per page (pages count from 1). */
  async history(customerId: string, page = 1, pageSize = 20): Promise<{ page: number; pageSize: number; entries: LedgerEntry[]; hasMore: boolean }> {
    const p = Math.max(1, Math.floor(page));
    const size = Math.min(100, Math.max(1, Math.floor(pageSize)));
    const rows = await this.ledger.page(customerId, (p - 1) * size, size + 1);
    return { page: p, pageSize: size, entries: rows.slice(0, size), hasMore: rows.length > size };
  }

  /** Exchanges available points for a single-use coupon; a repeated key returns the same coupon. */
  async redeem(customerId: string, rewardId: string, idempotencyKey: string): Promise<Coupon> {
    if (!idempotencyKey) throw new AppError('bad_request', 'redeem needs an idempotency key');
    const key = `redeem:${customerId}:${idempotencyKey}`;
    return this.withMember(customerId, async (trx) => {
      const existing = await this.rewards.couponByKey(key, trx);
      if (existing) {
        if (existing.reward_id !== rewardId) throw new AppError('conflict', `idempotency key ${idempotencyKey} was already used to redeem ${existing.reward_id}`);
        return existing;
      }
      const reward = await this.rewards.lock(rewardId, trx);
      if (!reward || !reward.active) throw new AppError('not_found', `reward ${rewardId} does not exist or is no longer offered`);
      if (reward.stock !== null && (await this.rewards.issuedCount(rewardId, trx)) >= reward.stock) {
        throw new AppError('conflict', `reward ${rewardId} is out of stock`);
      }
      const { available } = await this.balance(customerId, trx);
      if (available < reward.cost_points) {
        throw new AppError('conflict', `customer ${customerId} has ${available} points available; reward ${rewardId} costs ${reward.cost_points}`);
      }
      const now = this.clock.now();
      const ledgerId = await this.ledger.append(
        { customerId, delta: -reward.cost_points, kind: 'redeem', idempotencyKey: key, reason: `reward ${rewardId}`, createdAt: now },
        trx,
      );
      const coupon = {
        code: newCouponCode(),
        customer_id: customerId,
        reward_id: rewardId,
        points_cost: reward.cost_points,
        idempotency_key: key,
        ledger_id: ledgerId!,
        issued_at: now,
        expires_at: addDays(now, reward.valid_days),
      };
      await this.rewards.insertCoupon(coupon, trx);
      return { ...coupon, redeemed_at: null, redeemed_order_id: null };
    });
  }

  /** Marks a coupon used on an order; throws if unknown, already used, expired or not the customer's. */
  async useCoupon(code: string, customerId: string, orderId: string): Promise<Coupon> {
    const coupon = await this.rewards.coupon(code);
    if (!coupon || coupon.customer_id !== customerId) throw new AppError('not_found', `coupon ${code} does not belong to customer ${customerId}`);
    const used = await this.rewards.markUsed(code, orderId, this.clock.now());
    if (!used) throw new AppError('conflict', `coupon ${code} was already used or has expired`);
    return used;
  }

  /** A staff correction with a reason; can never take the balance below zero. */
  /** `audit` runs in the adjustment's transaction when it is applied (so the entry and its audit row commit together). */
  async adjust(customerId: string, delta: number, reason: string, by: string, idempotencyKey: string, audit?: (trx: Db) => Promise<void>) {
    if (!Number.isInteger(delta) || delta === 0) throw new AppError('bad_request', `points adjustment must be a non-zero whole number (got ${delta})`);
    if (!reason?.trim()) throw new AppError('bad_request', 'points adjustment needs a reason');
    if (!by?.trim() || !idempotencyKey) throw new AppError('bad_request', 'points adjustment needs the staff member and an idempotency key');
    const key = `adjust:${customerId}:${idempotencyKey}`;
    return this.withMember(customerId, async (trx) => {
      const existing = await this.ledger.findByKey(key, trx);
      if (existing) return { entryId: existing.id, applied: false, total: await this.ledger.total(customerId, trx) };
      const total = await this.ledger.total(customerId, trx);
      if (total + delta < 0) throw new AppError('conflict', `adjustment of ${delta} would leave customer ${customerId} below zero (balance ${total})`);
      const now = this.clock.now();
      const entry = { customerId, delta, kind: 'adjust' as const, idempotencyKey: key, reason: reason.trim(), createdBy: by };
      const id = delta > 0 ? await this.credit({ ...entry, earnedAt: now }, trx) : await this.ledger.append({ ...entry, createdAt: now }, trx);
      await audit?.(trx);
      return { entryId: id!, applied: true, total: total + delta };
    });
  }

  /** Retires what is left of every lot past its expiry, oldest first; one `expire:<lotId>` entry per lot. */
  async expirePoints(
    now: Date, onExpired?: (customerId: string, points: number, trx: Db) => Promise<void>,
  ): Promise<{ customers: number; points: number; expired: Array<{ customerId: string; points: number }> }> {
    const seen = new Set<string>();
    const expired: Array<{ customerId: string; points: number }> = [];
    for (;;) {
      const batch = (await this.ledger.customersWithExpiredLots(now, 200)).filter((c) => !seen.has(c));
      if (batch.length === 0) break;
      for (const customerId of batch) {
        seen.add(customerId);
        const points = await this.expireFor(customerId, now, onExpired);
        if (points > 0) expired.push({ customerId, points });
      }
    }
    return { customers: expired.length, points: expired.reduce((s, e) => s + e.points, 0), expired };
  }

  private expireFor(customerId: string, now: Date, onExpired?: (customerId: string, points: number, trx: Db) => Promise<void>): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      // A member row may be gone (customer deleted); nothing else then writes to this ledger.
      await this.members.lock(customerId, trx);
      const lots = replayLots(await this.ledger.lotEntries(customerId, trx))
        .filter((l) => l.expiresAt && l.expiresAt <= now)
        .sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime() || Number(a.id) - Number(b.id));
      let points = 0;
      for (const lot of lots) {
        const key = `expire:${lot.id}`;
        if (await this.ledger.hasKey(key, trx)) continue;
        // A zero entry for a fully spent lot marks it done, so the job does not look at it again.
        await this.ledger.append(
          { customerId, delta: -lot.remaining, kind: 'expire', idempotencyKey: key, lotId: lot.id, reason: `${lot.original} points earned ${lot.kind} expired`, createdAt: now },
          trx,
        );
        points += lot.remaining;
      }
      if (points > 0) await onExpired?.(customerId, points, trx);
      return points;
    });
  }
}
