import { sql, type Kysely } from 'kysely';

/**
 * Loyalty: members, the append-only points ledger, the rewards catalog (mirrors config), coupons,
 * tier history and invitations for a restricted programme.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('loyalty_members')
    .addColumn('customer_id', 'uuid', (c) => c.primaryKey().references('customers.id').onDelete('cascade'))
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active','suspended')`))
    .addColumn('joined_at', 'timestamptz', (c) => c.notNull())
    .addColumn('terms_version', 'text', (c) => c.notNull())
    .addColumn('terms_accepted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('marketing_opt_in_asked', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('next_review_at', 'timestamptz', (c) => c.notNull())
    .addColumn('tier_since', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('loyalty_members_review_idx').on('loyalty_members').column('next_review_at').execute();

  // No foreign key to customers: like the consent ledger, the history outlives a hard delete.
  await db.schema
    .createTable('points_ledger')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull())
    .addColumn('delta', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('earn_order','earn_signup','earn_first_order','earn_birthday','earn_review','reverse_refund','expire','redeem','adjust')`),
    )
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('order_id', 'text')
    .addColumn('lot_id', 'bigint')
    .addColumn('reason', 'text')
    .addColumn('available_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_by', 'text')
    .execute();
  await db.schema.createIndex('points_ledger_customer_idx').on('points_ledger').columns(['customer_id', 'id']).execute();
  await db.schema.createIndex('points_ledger_order_idx').on('points_ledger').column('order_id').where(sql.ref('order_id'), 'is not', null).execute();
  await db.schema.createIndex('points_ledger_expiry_idx').on('points_ledger').column('expires_at').where(sql.ref('delta'), '>', 0).execute();

  await sql`
    create function points_ledger_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'points_ledger is append-only (% refused)', tg_op;
    end $$`.execute(db);
  await sql`
    create trigger points_ledger_no_change before update or delete on points_ledger
    for each row execute function points_ledger_append_only()`.execute(db);
  await sql`
    create trigger points_ledger_no_truncate before truncate on points_ledger
    for each statement execute function points_ledger_append_only()`.execute(db);

  await db.schema
    .createTable('rewards')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('cost_points', 'integer', (c) => c.notNull().check(sql`cost_points > 0`))
    .addColumn('coupon_type', 'text', (c) => c.notNull().check(sql`coupon_type in ('fixed','percent','free_shipping')`))
    .addColumn('coupon_value', 'numeric(12, 2)', (c) => c.notNull())
    .addColumn('coupon_currency', 'text')
    .addColumn('valid_days', 'integer', (c) => c.notNull())
    .addColumn('stock', 'integer')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('coupons')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull())
    .addColumn('reward_id', 'text', (c) => c.notNull().references('rewards.id'))
    .addColumn('points_cost', 'integer', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('ledger_id', 'bigint', (c) => c.notNull())
    .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('redeemed_at', 'timestamptz')
    .addColumn('redeemed_order_id', 'text')
    .execute();
  await db.schema.createIndex('coupons_customer_idx').on('coupons').columns(['customer_id', 'issued_at']).execute();
  await db.schema.createIndex('coupons_reward_idx').on('coupons').column('reward_id').execute();

  await db.schema
    .createTable('tier_history')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull())
    .addColumn('from_tier', 'text')
    .addColumn('to_tier', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tier_history_customer_idx').on('tier_history').columns(['customer_id', 'at']).execute();

  await db.schema
    .createTable('loyalty_invitations')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz')
    .addColumn('used_by', 'uuid')
    .addColumn('used_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['loyalty_invitations', 'tier_history', 'coupons', 'rewards', 'points_ledger', 'loyalty_members']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
  await sql`drop function if exists points_ledger_append_only()`.execute(db);
}
