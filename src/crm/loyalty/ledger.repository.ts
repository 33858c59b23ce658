import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { LotEntry } from './points-lots.js';
import type { LedgerEntry, LedgerKind } from './loyalty.types.js';

export interface NewLedgerEntry {
  customerId: string;
  delta: number;
  kind: LedgerKind;
  idempotencyKey: string;
  orderId?: string | null;
  lotId?: string | null;
  reason?: string | null;
  availableAt?: Date | null;
  expiresAt?: Date | null;
  createdAt: Date;
  createdBy?: string | null;
}

/** The points ledger: inserts and reads only (a trigger refuses UPDATE and DELETE). */
export class LedgerRepository {
  constructor(private readonly db: Db) {}

  /** Appends an entry; returns its id, or null when its idempotency key was already used. */
  async append(e: NewLedgerEntry, db: Db = this.db): Promise<string | null> {
    const row = await db
      .insertInto('points_ledger')
      .values({
        customer_id: e.customerId,
        delta: e.delta,
        kind: e.kind,
        idempotency_key: e.idempotencyKey,
        order_id: e.orderId ?? null,
        lot_id: e.lotId ?? null,
        reason: e.reason ?? null,
        available_at: e.availableAt ?? null,
        expires_at: e.expiresAt ?? null,
        created_at: e.createdAt,
        created_by: e.createdBy ?? null,
      })
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id ?? null;
  }

  findByKey(key: string, db: Db = this.db): Promise<LedgerEntry | undefined> {
    return db.selectFrom('points_ledger').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  }

  hasKey(key: string, db: Db = this.db): Promise<boolean> {
    return this.findByKey(key, db).then(Boolean);
  }

  /** Sum of a member's ledger: the balance. */
  async total(customerId: string, db: Db = this.db): Promise<number> {
    const row = await db
      .selectFrom('points_ledger')
      .select(sql<number>`coalesce(sum(delta), 0)::int`.as('total'))
      .where('customer_id', '=', customerId)
      .executeTakeFirstOrThrow();
    return Number(row.total);
  }

  /** Every entry of a member in the shape the lot accounting replays. */
  async lotEntries(customerId: string, db: Db = this.db): Promise<LotEntry[]> {
    const rows = await db
      .selectFrom('points_ledger')
      .select(['id', 'delta', 'kind', 'order_id', 'lot_id', 'available_at', 'expires_at', 'created_at'])
      .where('customer_id', '=', customerId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: String(r.id),
      delta: r.delta,
      kind: r.kind,
      orderId: r.order_id,
      lotId: r.lot_id === null ? null : String(r.lot_id),
      availableAt: r.available_at,
      expiresAt: r.expires_at,
      createdAt: r.created_at,
    }));
  }

  /** Positive entries tied to an order (what a refund takes back), by kind. */
  async orderCredits(orderId: string, kinds: readonly LedgerKind[], db: Db = this.db): Promise<number> {
    const row = await db
      .selectFrom('points_ledger')
      .select(sql<number>`coalesce(sum(delta), 0)::int`.as('sum'))
      .where('order_id', '=', orderId)
      .where('kind', 'in', kinds)
      .where('delta', '>', 0)
      .executeTakeFirstOrThrow();
    return Number(row.sum);
  }

  /** A page of a member's entries, newest first (zero-point markers left out). */
  page(customerId: string, offset: number, limit: number): Promise<LedgerEntry[]> {
    return this.db
      .selectFrom('points_ledger')
      .selectAll()
      .where('customer_id', '=', customerId)
      .where('delta', '<>', 0)
      .orderBy('id', 'desc')
      .offset(offset)
      .limit(limit)
      .execute();
  }

  /** Members holding credit lots past their expiry that no `expire` entry has retired yet. */
  async customersWithExpiredLots(now: Date, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('points_ledger as l')
      .select('l.customer_id')
      .distinct()
      .where('l.delta', '>', 0)
      .where('l.expires_at', '<=', now)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('points_ledger as x').select('x.id').where('x.idempotency_key', '=', sql<string>`'expire:' || l.id`))),
      )
      .limit(limit)
      .execute();
    return rows.map((r) => r.customer_id);
  }

  /** Points earned (minus refunds) since `since`, the qualifying amount for a points-based tier. */
  async earnedSince(customerId: string, since: Date, db: Db = this.db): Promise<number> {
    const row = await db
      .selectFrom('points_ledger')
      .select(sql<number>`coalesce(sum(delta), 0)::int`.as('sum'))
      .where('customer_id', '=', customerId)
      .where('kind', 'in', ['earn_order', 'earn_first_order', 'earn_birthday', 'earn_review', 'earn_signup', 'reverse_refund'])
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Math.max(0, Number(row.sum));
  }
}
