import { sql, type ExpressionBuilder } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { Database } from '../../storage/schema.js';
import '../customers/customer.types.js';
import '../loyalty/loyalty.types.js';

/** Filters of the admin customer list; every given one narrows the result (AND). */
export interface DirectoryFilter {
  /** Case-insensitive substring of name, email or phone. */
  q?: string;
  shopId?: string;
  /** A loyalty tier id, or `none` for customers who are not members. */
  tier?: string;
  tag?: string;
  includeErased?: boolean;
  limit: number;
  offset: number;
}

/** One row of the admin customer list: the profile summary with tier and points balance. */
export interface DirectoryEntry {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  locale: string | null;
  tags: string[];
  shopCustomerId: string | null;
  lifetimeSpend: number;
  orderCount: number;
  tier: string | null;
  points: number;
  lastSeenAt: Date | null;
  createdAt: Date;
  erasedAt: Date | null;
}

type Scope = ExpressionBuilder<Database & { c: Database['customers']; m: Database['loyalty_members'] }, 'c' | 'm'>;

/**
 * The admin customer list as one query over customers, loyalty membership and the points ledger
 * (the customer search of the customers module has no tier filter and no balances).
 */
export class CustomerDirectoryRepository {
  constructor(private readonly db: Db) {}

  async search(f: DirectoryFilter): Promise<{ items: DirectoryEntry[]; total: number; limit: number; offset: number }> {
    const where = (eb: Scope) => {
      const parts = [];
      if (!f.includeErased) parts.push(eb('c.erased_at', 'is', null));
      if (f.shopId) parts.push(eb('c.shop_customer_id', '=', f.shopId));
      if (f.tag) parts.push(eb(sql<string[]>`c.tags`, '@>', sql<string[]>`array[${f.tag}]::text[]`));
      if (f.tier === 'none') parts.push(eb('m.customer_id', 'is', null));
      else if (f.tier) parts.push(eb('m.tier', '=', f.tier));
      if (f.q) {
        const like = `%${f.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
        parts.push(eb.or([eb('c.name', 'ilike', like), eb('c.email', 'ilike', like), eb('c.phone', 'ilike', like)]));
      }
      return eb.and(parts);
    };
    const base = this.db.selectFrom('customers as c').leftJoin('loyalty_members as m', 'm.customer_id', 'c.id').where(where);
    const [rows, count] = await Promise.all([
      base
        .select([
          'c.id', 'c.name', 'c.email', 'c.phone', 'c.locale', 'c.tags', 'c.shop_customer_id', 'c.lifetime_spend', 'c.order_count',
          'c.last_seen_at', 'c.created_at', 'c.erased_at', 'm.tier',
          sql<string>`coalesce((select sum(p.delta) from points_ledger p where p.customer_id = c.id), 0)`.as('points'),
        ])
        .orderBy('c.created_at', 'desc')
        .orderBy('c.id')
        .limit(f.limit)
        .offset(f.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    const items = rows.map((r) => ({
      id: r.id, name: r.name, email: r.email, phone: r.phone, locale: r.locale, tags: r.tags, shopCustomerId: r.shop_customer_id,
      lifetimeSpend: Number(r.lifetime_spend), orderCount: r.order_count, tier: r.tier ?? null, points: Number(r.points),
      lastSeenAt: r.last_seen_at, createdAt: r.created_at, erasedAt: r.erased_at,
    }));
    return { items, total: Number(count.n), limit: f.limit, offset: f.offset };
  }
}
