import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';

export interface RfmScore {
  recency: number;
  frequency: number;
  monetary: number;
  /** The three digits together, e.g. "545". */
  code: string;
}

export interface CustomerMeasures {
  customerId: string;
  orders: number;
  spend: number;
  lastOrderAt: Date | null;
  repeatBuyer: boolean;
  rfm: RfmScore | null;
  churnRisk: boolean;
}

export interface ProgrammeMeasures {
  buyers: number;
  repeatBuyers: number;
  /** Share of buyers with two or more orders (0-1). */
  repeatPurchaseRate: number;
  atRisk: number;
  revenue: number;
  premiumRevenue: number;
  /** Share of revenue in the window from members at the premium tier or above (0-1). */
  premiumRevenueShare: number;
}

interface Row {
  customer_id: string;
  orders: number;
  spend: number;
  last_at: Date;
  r: number;
  f: number;
  m: number;
}

// Orders that count: paid and not taken back, timed when paid (or delivered, or created).
const BUYERS = sql`
  select customer_id, count(*)::int as orders, sum(total) as spend,
         max(coalesce(paid_at, delivered_at, created_at)) as last_at
  from orders
  where customer_id is not null and status in ('paid', 'shipped', 'delivered')
  group by customer_id`;

/**
 * Programme measures in SQL over the shop's orders: repeat purchase, RFM quintiles (1-5, ties share
 * a score via cume_dist), churn risk and the premium tiers' share of revenue.
 */
export class LoyaltyMeasuresRepository {
  constructor(private readonly db: Db) {}

  private scored() {
    return sql<Row>`
      with b as (${BUYERS})
      select customer_id, orders, spend, last_at,
             ceil(cume_dist() over (order by last_at) * 5)::int as r,
             ceil(cume_dist() over (order by orders) * 5)::int as f,
             ceil(cume_dist() over (order by spend) * 5)::int as m
      from b`;
  }

  async forCustomer(customerId: string, now: Date, churnDays: number, activeMinOrders: number): Promise<CustomerMeasures> {
    const { rows } = await sql<Row>`select * from (${this.scored()}) s where customer_id = ${customerId}`.execute(this.db);
    const row = rows[0];
    if (!row) return { customerId, orders: 0, spend: 0, lastOrderAt: null, repeatBuyer: false, rfm: null, churnRisk: false };
    const cutoff = now.getTime() - churnDays * 86_400_000;
    return {
      customerId,
      orders: Number(row.orders),
      spend: Number(row.spend),
      lastOrderAt: new Date(row.last_at),
      repeatBuyer: Number(row.orders) >= 2,
      rfm: { recency: row.r, frequency: row.f, monetary: row.m, code: `${row.r}${row.f}${row.m}` },
      churnRisk: Number(row.orders) >= activeMinOrders && new Date(row.last_at).getTime() < cutoff,
    };
  }

  /** RFM scores of every buyer (paginate with limit/offset; best customers first). */
  async rfm(limit = 100, offset = 0): Promise<Array<{ customerId: string } & RfmScore>> {
    const { rows } = await sql<Row>`select * from (${this.scored()}) s order by r + f + m desc, customer_id limit ${limit} offset ${offset}`.execute(this.db);
    return rows.map((r) => ({ customerId: r.customer_id, recency: r.r, frequency: r.f, monetary: r.m, code: `${r.r}${r.f}${r.m}` }));
  }

  /** Buyers who were active (≥ activeMinOrders orders) but have not ordered for `churnDays`. */
  async churnRisk(now: Date, churnDays: number, activeMinOrders: number, limit = 100): Promise<Array<{ customerId: string; lastOrderAt: Date; orders: number }>> {
    const cutoff = new Date(now.getTime() - churnDays * 86_400_000);
    const { rows } = await sql<Row>`
      with b as (${BUYERS})
      select * from b where orders >= ${activeMinOrders} and last_at < ${cutoff}
      order by last_at limit ${limit}`.execute(this.db);
    return rows.map((r) => ({ customerId: r.customer_id, lastOrderAt: new Date(r.last_at), orders: Number(r.orders) }));
  }

  async programme(now: Date, since: Date, churnDays: number, activeMinOrders: number, premiumTiers: string[]): Promise<ProgrammeMeasures> {
    const cutoff = new Date(now.getTime() - churnDays * 86_400_000);
    const tiers = premiumTiers.length ? premiumTiers : ['\u0000'];
    const { rows } = await sql<{ buyers: number; repeat: number; at_risk: number; revenue: number; premium: number }>`
      with b as (${BUYERS}),
      rev as (
        select coalesce(sum(o.total), 0) as revenue,
               coalesce(sum(o.total) filter (where m.tier in (${sql.join(tiers)})), 0) as premium
        from orders o left join loyalty_members m on m.customer_id = o.customer_id
        where o.status in ('paid', 'shipped', 'delivered')
          and coalesce(o.paid_at, o.delivered_at, o.created_at) >= ${since}
      )
      select (select count(*)::int from b) as buyers,
             (select count(*)::int from b where orders >= 2) as repeat,
             (select count(*)::int from b where orders >= ${activeMinOrders} and last_at < ${cutoff}) as at_risk,
             rev.revenue, rev.premium
      from rev`.execute(this.db);
    const r = rows[0];
    const buyers = Number(r.buyers);
    const revenue = Number(r.revenue);
    return {
      buyers,
      repeatBuyers: Number(r.repeat),
      repeatPurchaseRate: buyers ? Number(r.repeat) / buyers : 0,
      atRisk: Number(r.at_risk),
      revenue,
      premiumRevenue: Number(r.premium),
      premiumRevenueShare: revenue ? Number(r.premium) / revenue : 0,
    };
  }
}
