import { sql, type Kysely } from 'kysely';

/** Hand-off requests: the queue of conversations waiting for (or held by) a human agent. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('handoff_requests')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('customer_id', 'uuid', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('waiting').check(sql`status in ('waiting','claimed','released','resolved','cancelled')`))
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('requested_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('handoff_open_idx').on('handoff_requests').columns(['status', 'priority', 'requested_at']).execute();
  // At most one open request per conversation.
  await sql`create unique index handoff_one_open_uq on handoff_requests (conversation_id) where status in ('waiting','claimed')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('handoff_requests').ifExists().execute();
}
