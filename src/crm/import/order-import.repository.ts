import { sql, type Kysely } from 'kysely';
import { newId } from '../../core/ids.js';
import type { Db } from '../../storage/database.js';
import type { OrderImportRow } from './import-schemas.js';
import type { BatchResult } from './import.types.js';

/** The `orders` columns (migration 0002), declared locally so this file does not depend on their typing. */
interface ImportOrdersTable {
  id: string;
  customer_id: string;
  shop_customer_id: string;
  status: string;
  total: number;
  currency: string;
  items: string;
  created_at: Date;
  updated_at: Date;
  paid_at: Date | null;
  shipped_at: Date | null;
  delivered_at: Date | null;
  cancelled_at: Date | null;
  refunded_at: Date | null;
  tracking_number: string | null;
  carrier: string | null;
}
interface ImportTables {
  orders: ImportOrdersTable;
  customers: { id: string; shop_customer_id: string | null };
}

// Columns a re-import may leave out without erasing what the webhook already recorded.
const STICKY = ['paid_at', 'shipped_at', 'delivered_at', 'cancelled_at', 'refunded_at', 'tracking_number', 'carrier'] as const;
const PLAIN = ['customer_id', 'shop_customer_id', 'status', 'total', 'currency', 'items', 'created_at'] as const;

/** Statuses whose totals count as money spent. */
export const SPEND_STATUSES = ['paid', 'shipped', 'delivered'] as const;

/** Batch upserts of orders keyed by the shop's order id, and the per-customer totals they drive. */
export class OrderImportRepository {
  private readonly db: Kysely<ImportTables>;

  constructor(db: Db) {
    this.db = db as unknown as Kysely<ImportTables>;
  }

  /** Upserts one batch (unique order ids); returns counts and the customers whose orders changed. */
  async upsertBatch(rows: OrderImportRow[]): Promise<BatchResult & { customerIds: string[] }> {
    const customers = await this.ensureCustomers([...new Set(rows.map((r) => r.customerId))]);
    const values = rows.map((r) => ({
      id: r.id,
      customer_id: customers.get(r.customerId)!,
      shop_customer_id: r.customerId,
      status: r.status,
      total: r.total,
      currency: r.currency,
      items: JSON.stringify(r.items),
      created_at: r.createdAt,
      updated_at: new Date(),
      paid_at: r.paidAt ?? null,
      shipped_at: r.shippedAt ?? null,
      delivered_at: r.deliveredAt ?? null,
      cancelled_at: r.cancelledAt ?? null,
      refunded_at: r.refundedAt ?? null,
      tracking_number: r.trackingNumber ?? null,
      carrier: r.carrier ?? null,
    }));
    const col = (table: string, c: string) => sql.ref(`${table}.${c}`);
    const incoming = (c: string) => ((STICKY as readonly string[]).includes(c) ? sql`coalesce(${col('excluded', c)}, ${col('orders', c)})` : col('excluded', c));
    const cols = [...PLAIN, ...STICKY];
    const written = await this.db
      .insertInto('orders')
      .values(values)
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet({ ...Object.fromEntries(cols.map((c) => [c, incoming(c)])), updated_at: sql`now()` } as never)
          .where(sql<boolean>`row(${sql.join(cols.map((c) => col('orders', c)))}) is distinct from row(${sql.join(cols.map(incoming))})`),
      )
      .returning(['customer_id', sql<boolean>`(xmax = 0)`.as('inserted')])
      .execute();
    const inserted = written.filter((w) => w.inserted).length;
    return {
      inserted,
      updated: written.length - inserted,
      unchanged: rows.length - written.length,
      rejected: [],
      customerIds: [...new Set(written.map((w) => w.customer_id))],
    };
  }

  /** Customer ids for shop customer ids, creating a placeholder customer for each unknown one. */
  private async ensureCustomers(shopIds: string[]): Promise<Map<string, string>> {
    await this.db
      .insertInto('customers')
      .values(shopIds.map((s) => ({ id: newId(), shop_customer_id: s })))
      .onConflict((oc) => oc.column('shop_customer_id').doNothing())
      .execute();
    const rows = await this.db.selectFrom('customers').select(['id', 'shop_customer_id']).where('shop_customer_id', 'in', shopIds).execute();
    return new Map(rows.map((r) => [r.shop_customer_id!, r.id]));
  }

  /**
   * Recomputes lifetime_spend, order_count and last_order_at for `customerIds` in one statement
   * (paid, shipped and delivered orders count; cancelled and refunded do not).
   */
  async recomputeTotals(customerIds: string[]): Promise<number> {
    if (customerIds.length === 0) return 0;
    const spend = sql.join(SPEND_STATUSES.map((s) => sql.lit(s)));
    const result = await sql`
      with s as (
        select u.id,
               coalesce(sum(o.total) filter (where o.status in (${spend})), 0)::numeric(12,2) as spend,
               (count(o.id) filter (where o.status in (${spend})))::int as n,
               max(o.created_at) filter (where o.status in (${spend})) as last_at
        from unnest(${customerIds}::uuid[]) as u(id)
        left join orders o on o.customer_id = u.id
        group by u.id)
      update customers c
         set lifetime_spend = s.spend, order_count = s.n, last_order_at = s.last_at
        from s
       where c.id = s.id
         and (c.lifetime_spend, c.order_count, c.last_order_at) is distinct from (s.spend, s.n, s.last_at)`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }
}
