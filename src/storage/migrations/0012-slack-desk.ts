import { sql, type Kysely } from 'kysely';

/**
 * Slack as an agent desk: which Slack thread mirrors which conversation, which items were
 * already posted into it (one row per item, so every instance posts each item once), and which
 * Slack user is which staff member.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Cascades: erasing a customer's conversations forgets their mirror rows too.
  await db.schema
    .createTable('slack_desk_threads')
    .addColumn('conversation_id', 'uuid', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('thread_ts', 'text')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    // Items older than this are not mirrored (the thread starts with a little context, not the whole history).
    .addColumn('mirror_from', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index slack_desk_threads_ts_uq on slack_desk_threads (channel_id, thread_ts) where thread_ts is not null`.execute(db);
  await db.schema
    .createTable('slack_desk_posts')
    .addColumn('item_key', 'text', (c) => c.primaryKey())
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('message_ts', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('slack_desk_posts_conv_idx').on('slack_desk_posts').column('conversation_id').execute();
  await db.schema
    .createTable('slack_agent_links')
    .addColumn('slack_user_id', 'text', (c) => c.primaryKey())
    .addColumn('staff_id', 'uuid', (c) => c.notNull().references('staff_users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['slack_agent_links', 'slack_desk_posts', 'slack_desk_threads']) await db.schema.dropTable(t).ifExists().execute();
}
