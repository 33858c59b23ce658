import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { RewardConfig } from './loyalty.config.js';
import type { Coupon, Reward } from './loyalty.types.js';

/** The rewards catalog (a mirror of config/rewards.json) and the coupons issued for it. */
export class RewardRepository {
  constructor(private readonly db: Db) {}

  /** Upserts every configured reward and deactivates the ones no longer configured. */
  async sync(rewards: readonly RewardConfig[], at: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const r of rewards) {
        const values = {
          name_en: r.name.en,
          name_zh: r.name['zh-CN'],
          cost_points: r.cost,
          coupon_type: r.coupon.type,
          coupon_value: r.coupon.value,
          coupon_currency: r.coupon.currency ?? null,
          valid_days: r.validDays,
          stock: r.stock ?? null,
          active: true,
          updated_at: at,
        };
        await trx.insertInto('rewards').values({ id: r.id, ...values }).onConflict((oc) => oc.column('id').doUpdateSet(values)).execute();
      }
      let off = trx.updateTable('rewards').set({ active: false, updated_at: at }).where('active', '=', true);
      if (rewards.length) off = off.where('id', 'not in', rewards.map((r) => r.id));
      await off.execute();
    });
  }

  list(activeOnly = true): Promise<Reward[]> {
    let q = this.db.selectFrom('rewards').selectAll();
    if (activeOnly) q = q.where('active', '=', true);
    return q.orderBy('cost_points').execute();
  }

  /** Locks the reward row so stock checks of concurrent redemptions run one at a time. */
  lock(rewardId: string, trx: Db): Promise<Reward | undefined> {
    return trx.selectFrom('rewards').selectAll().where('id', '=', rewardId).forUpdate().executeTakeFirst();
  }

  async issuedCount(rewardId: string, trx: Db): Promise<number> {
    const row = await trx.selectFrom('coupons').select(sql<number>`count(*)::int`.as('n')).where('reward_id', '=', rewardId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async insertCoupon(c: Omit<Coupon, 'redeemed_at' | 'redeemed_order_id'>, trx: Db): Promise<void> {
    await trx.insertInto('coupons').values({ ...c, redeemed_at: null, redeemed_order_id: null }).execute();
  }

  couponByKey(key: string, db: Db = this.db): Promise<Coupon | undefined> {
    return db.selectFrom('coupons').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  }

  coupon(code: string): Promise<Coupon | undefined> {
    return this.db.selectFrom('coupons').selectAll().where('code', '=', code).executeTakeFirst();
  }

  coupons(customerId: string): Promise<Coupon[]> {
    return this.db.selectFrom('coupons').selectAll().where('customer_id', '=', customerId).orderBy('issued_at', 'desc').execute();
  }

  /** Marks a coupon used if it is unused and unexpired; returns the row when this call used it. */
  markUsed(code: string, orderId: string, at: Date): Promise<Coupon | undefined> {
    return this.db
      .updateTable('coupons')
      .set({ redeemed_at: at, redeemed_order_id: orderId })
      .where('code', '=', code)
      .where('redeemed_at', 'is', null)
      .where('expires_at', '>', at)
      .returningAll()
      .executeTakeFirst();
  }
}
