import { sql, type Kysely } from 'kysely';

/** Saved customer segments: a name and a filter that is data (evaluated in SQL by the segment service). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('segments')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('filter', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  // Segment keys that scan customers: recency and the keyset order used to page ids.
  await sql`create index if not exists segments_customers_last_seen_idx on customers (last_seen_at desc nulls last, id)`.execute(db);
  // Batch consent lookups (latest row per customer for one channel and purpose).
  await sql`create index if not exists segments_consents_channel_idx on consents (channel, purpose, customer_id, created_at desc, id desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists segments_consents_channel_idx`.execute(db);
  await sql`drop index if exists segments_customers_last_seen_idx`.execute(db);
  await db.schema.dropTable('segments').ifExists().execute();
}
