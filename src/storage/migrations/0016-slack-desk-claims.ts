import { sql, type Kysely } from 'kysely';

/**
 * When a `slack_desk_posts` row was claimed for posting. A claim still without a `message_ts`
 * after a lease is taken as lost (the process died between the claim and chat.postMessage) and
 * the item is posted again. Null once the row is settled: posted, skipped, or written with its ts.
 * Rows claimed before this migration and never posted get their creation time, so a pass repairs them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('slack_desk_posts').addColumn('claimed_at', 'timestamptz', (c) => c.defaultTo(sql`now()`)).execute();
  await sql`update slack_desk_posts set claimed_at = case when message_ts is null then created_at end`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('slack_desk_posts').dropColumn('claimed_at').execute();
}
