import { sql, type Kysely } from 'kysely';

/** Campaigns, one run per fire, and the recipients of each run (materialised once). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('segment_id', 'uuid', (c) => c.notNull())
    .addColumn('channels', sql`text[]`, (c) => c.notNull())
    .addColumn('messages', 'jsonb', (c) => c.notNull())
    .addColumn('schedule', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('draft').check(sql`status in ('draft','approved','scheduled','sending','paused','done','cancelled')`))
    // Where `resume` returns to (scheduled or sending).
    .addColumn('paused_from', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('approved_at', 'timestamptz')
    .addColumn('conversion_window_days', 'integer', (c) => c.notNull().defaultTo(7))
    .addColumn('frequency_cap_max', 'integer')
    .addColumn('frequency_cap_days', 'integer')
    .addColumn('next_fire_at', 'timestamptz')
    .addColumn('last_fired_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('campaigns_due_idx').on('campaigns').columns(['status', 'next_fire_at']).execute();

  await db.schema
    .createTable('campaign_runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('fire_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('sending').check(sql`status in ('sending','done','cancelled')`))
    .addColumn('targeted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('suppressed', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    // The fire is the unit of "exactly once": a second instance (or a re-run tick) inserts nothing.
    .addUniqueConstraint('campaign_runs_fire_uq', ['campaign_id', 'fire_at'])
    .execute();

  await db.schema
    .createTable('campaign_deliveries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('campaign_runs.id').onDelete('cascade'))
    .addColumn('recurring', 'boolean', (c) => c.notNull())
    .addColumn('customer_id', 'uuid', (c) => c.notNull())
    .addColumn('channel', 'text')
    .addColumn('recipient', 'text')
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('queued','sent','failed','skipped')`))
    .addColumn('reason', 'text')
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('quiet_deferred', 'boolean', (c) => c.notNull().defaultTo(false))
    // Set in the same transaction as the outbox row (dedupe key campaign:<id>) is written.
    .addColumn('enqueued_at', 'timestamptz')
    .addColumn('outbox_id', 'bigint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addUniqueConstraint('campaign_deliveries_run_customer_uq', ['run_id', 'customer_id'])
    .execute();
  // One-shot campaigns: never twice for one campaign, whatever happens to runs.
  await sql`create unique index campaign_deliveries_once_uq on campaign_deliveries (campaign_id, customer_id) where not recurring`.execute(db);
  await sql`create index campaign_deliveries_due_idx on campaign_deliveries (next_attempt_at, id) where state = 'queued' and enqueued_at is null`.execute(db);
  await sql`create index campaign_deliveries_open_idx on campaign_deliveries (id) where state = 'queued' and enqueued_at is not null`.execute(db);
  await db.schema.createIndex('campaign_deliveries_customer_idx').on('campaign_deliveries').columns(['customer_id', 'created_at']).execute();
  await db.schema.createIndex('campaign_deliveries_campaign_idx').on('campaign_deliveries').columns(['campaign_id', 'state']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['campaign_deliveries', 'campaign_runs', 'campaigns']) await db.schema.dropTable(t).ifExists().execute();
}
