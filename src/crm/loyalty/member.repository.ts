import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { LoyaltyMember, ShopTables } from './loyalty.types.js';

/** Order statuses that count as money spent (not cancelled, refunded or merely created). */
export const SPENT_STATUSES = ['paid', 'shipped', 'delivered'] as const;

export interface NewMember {
  customerId: string;
  tier: string;
  joinedAt: Date;
  termsVersion: string;
  marketingOptInAsked: boolean;
  nextReviewAt: Date;
}

/** Loyalty members, their tier history and invitations; plus the shop columns loyalty reads. */
export class MemberRepository {
  constructor(private readonly db: Db) {}

  private shop(db: Db = this.db) {
    return db.withTables<ShopTables>();
  }

  find(customerId: string, db: Db = this.db): Promise<LoyaltyMember | undefined> {
    return db.selectFrom('loyalty_members').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
  }

  /** Locks the member row for the rest of the transaction, so balance checks run one at a time. */
  lock(customerId: string, trx: Db): Promise<LoyaltyMember | undefined> {
    return trx.selectFrom('loyalty_members').selectAll().where('customer_id', '=', customerId).forUpdate().executeTakeFirst();
  }

  /** Inserts a member; returns false when the customer already was one. */
  async insert(m: NewMember, db: Db = this.db): Promise<boolean> {
    const row = await db
      .insertInto('loyalty_members')
      .values({
        customer_id: m.customerId,
        tier: m.tier,
        status: 'active',
        joined_at: m.joinedAt,
        terms_version: m.termsVersion,
        terms_accepted_at: m.joinedAt,
        marketing_opt_in_asked: m.marketingOptInAsked,
        next_review_at: m.nextReviewAt,
        tier_since: m.joinedAt,
      })
      .onConflict((oc) => oc.column('customer_id').doNothing())
      .returning('customer_id')
      .executeTakeFirst();
    return Boolean(row);
  }

  async acceptTerms(customerId: string, version: string, at: Date, marketingAsked: boolean, db: Db = this.db): Promise<void> {
    await db
      .updateTable('loyalty_members')
      .set({ terms_version: version, terms_accepted_at: at, ...(marketingAsked ? { marketing_opt_in_asked: true } : {}) })
      .where('customer_id', '=', customerId)
      .execute();
  }

  async setTier(customerId: string, from: string | null, to: string, reason: string, at: Date, db: Db): Promise<void> {
    await db.updateTable('loyalty_members').set({ tier: to, tier_since: at }).where('customer_id', '=', customerId).execute();
    await db.insertInto('tier_history').values({ customer_id: customerId, from_tier: from, to_tier: to, reason, at }).execute();
  }

  async setNextReview(customerId: string, at: Date, db: Db = this.db): Promise<void> {
    await db.updateTable('loyalty_members').set({ next_review_at: at }).where('customer_id', '=', customerId).execute();
  }

  tierHistory(customerId: string) {
    return this.db.selectFrom('tier_history').selectAll().where('customer_id', '=', customerId).orderBy('id').execute();
  }

  /** Active members, a page at a time by customer id. */
  activeAfter(afterId: string | null, limit: number): Promise<LoyaltyMember[]> {
    let q = this.db.selectFrom('loyalty_members').selectAll().where('status', '=', 'active');
    if (afterId) q = q.where('customer_id', '>', afterId);
    return q.orderBy('customer_id').limit(limit).execute();
  }

  /** The customer row columns loyalty cares about, or undefined when there is no such customer. */
  customer(customerId: string, db: Db = this.db) {
    return this.shop(db)
      .selectFrom('customers')
      .select(['id', 'lifetime_spend', 'erased_at'])
      // The month in SQL: drivers turn a date into a local-midnight Date, which shifts in UTC.
      .select(sql<number | null>`extract(month from birthday)::int`.as('birthday_month'))
      .where('id', '=', customerId)
      .executeTakeFirst();
  }

  /** Spend on orders paid (or delivered) since `since`, per the shop's order table. */
  async spendSince(customerId: string, since: Date, db: Db = this.db): Promise<number> {
    const row = await this.shop(db)
      .selectFrom('orders')
      .select(sql<number>`coalesce(sum(total), 0)`.as('spend'))
      .where('customer_id', '=', customerId)
      .where('status', 'in', SPENT_STATUSES)
      .where(sql<Date>`coalesce(paid_at, delivered_at, created_at)`, '>=', since)
      .executeTakeFirstOrThrow();
    return Number(row.spend);
  }

  /** Members whose birthday falls in `month` (1-12), page by customer id. */
  async birthdayMembers(month: number, afterId: string | null, limit: number): Promise<string[]> {
    let q = this.shop()
      .selectFrom('loyalty_members as m')
      .innerJoin('customers as c', 'c.id', 'm.customer_id')
      .select('m.customer_id')
      .where('m.status', '=', 'active')
      .where('c.erased_at', 'is', null)
      .where(sql<number>`extract(month from c.birthday)`, '=', month);
    if (afterId) q = q.where('m.customer_id', '>', afterId);
    const rows = await q.orderBy('m.customer_id').limit(limit).execute();
    return rows.map((r) => r.customer_id);
  }

  /** The order's owner and SKUs, for checking a review belongs to the customer. */
  order(orderId: string) {
    return this.shop().selectFrom('orders').select(['id', 'customer_id', 'status', 'items']).where('id', '=', orderId).executeTakeFirst();
  }

  async createInvitation(code: string, by: string, at: Date, expiresAt: Date | null): Promise<void> {
    await this.db.insertInto('loyalty_invitations').values({ code, created_by: by, created_at: at, expires_at: expiresAt, used_by: null, used_at: null }).execute();
  }

  /** Marks an unused, unexpired invitation as used by `customerId` (or already used by them); false otherwise. */
  async useInvitation(code: string, customerId: string, at: Date, db: Db): Promise<boolean> {
    const row = await db
      .updateTable('loyalty_invitations')
      .set({ used_by: customerId, used_at: at })
      .where('code', '=', code)
      .where((eb) => eb.or([eb('used_by', 'is', null), eb('used_by', '=', customerId)]))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
      .returning('code')
      .executeTakeFirst();
    return Boolean(row);
  }
}
