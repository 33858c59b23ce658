import type { Kysely } from 'kysely';

/**
 * When the sender actually handed a row to the platform. A row left `sending` by a crashed sender
 * without this mark was never attempted and is safe to send again; with it, the outcome is unknown.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('send_started_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').dropColumn('send_started_at').execute();
}
