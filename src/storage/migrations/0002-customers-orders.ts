import { sql, type Kysely } from 'kysely';

/**
 * CRM core: customer profile columns and shop totals, orders, the shop event log (idempotency)
 * and one-time codes that prove a new channel identity belongs to an existing customer.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('customers')
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('shop_customer_id', 'text', (c) => c.unique())
    .addColumn('lifetime_spend', 'numeric(12, 2)', (c) => c.notNull().defaultTo(0))
    .addColumn('order_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_order_at', 'timestamptz')
    .addColumn('birthday', 'date')
    .addColumn('erased_at', 'timestamptz')
    .execute();
  await sql`create index customers_email_lower_idx on customers (lower(email))`.execute(db);
  await sql`create index customers_tags_idx on customers using gin (tags)`.execute(db);

  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.references('customers.id').onDelete('set null'))
    .addColumn('shop_customer_id', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('created','paid','shipped','delivered','cancelled','refunded')`),
    )
    .addColumn('total', 'numeric(12, 2)', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('items', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('tracking_number', 'text')
    .addColumn('carrier', 'text')
    .addColumn('shipping_address', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('paid_at', 'timestamptz')
    .addColumn('shipped_at', 'timestamptz')
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('cancelled_at', 'timestamptz')
    .addColumn('refunded_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('orders_customer_created_idx').on('orders').columns(['customer_id', 'created_at']).execute();

  // One row per shop event id: inserting it in the same transaction as the effects makes redelivery a no-op.
  await db.schema
    .createTable('shop_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    // Listener dispatch happens after commit; these let a redelivery finish a dispatch that crashed.
    .addColumn('dispatch_claimed_at', 'timestamptz')
    .addColumn('dispatched_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('identity_link_codes')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('identity_link_codes_identity_idx')
    .on('identity_link_codes')
    .columns(['channel', 'external_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['identity_link_codes', 'shop_events', 'orders']) await db.schema.dropTable(t).ifExists().execute();
  await sql`drop index if exists customers_tags_idx`.execute(db);
  await sql`drop index if exists customers_email_lower_idx`.execute(db);
  await db.schema
    .alterTable('customers')
    .dropColumn('email').dropColumn('phone').dropColumn('tags').dropColumn('shop_customer_id')
    .dropColumn('lifetime_spend').dropColumn('order_count').dropColumn('last_order_at')
    .dropColumn('birthday').dropColumn('erased_at')
    .execute();
}
