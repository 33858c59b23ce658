import { sql, type Kysely } from 'kysely';

/** Agent workspace: internal notes on conversations and the indexes the queue and idle job read. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('conversation_notes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('customer_id', 'uuid', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('author_name', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('conversation_notes_conv_idx').on('conversation_notes').columns(['conversation_id', 'id']).execute();
  // The idle job looks for the last agent message of each agent-owned thread.
  await sql`create index outbox_agent_activity_idx on outbox (conversation_id, created_at) where kind = 'agent'`.execute(db);
  await db.schema.createIndex('handoff_claimed_by_idx').on('handoff_requests').columns(['claimed_by', 'status']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists outbox_agent_activity_idx`.execute(db);
  await sql`drop index if exists handoff_claimed_by_idx`.execute(db);
  await db.schema.dropTable('conversation_notes').ifExists().execute();
}
