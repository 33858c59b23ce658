import { sql, type Kysely } from 'kysely';

/**
 * No planner statistics for message bodies: no query filters, joins or sorts on them, and ANALYZE
 * spent most of its time detoasting and sampling them. On PGlite ANALYZE holds the one connection
 * (table maintenance, src/storage/maintenance.ts), so this is chat time: measured after 20,000 turns,
 * ANALYZE of outbox 648 → 180 ms with `message` alone excluded (issue 9 note).
 */
const BODIES: Array<[table: string, column: string]> = [
  ['outbox', 'message'],
  ['outbox', 'last_error'],
  ['inbound_messages', 'text'],
  ['inbound_messages', 'payload'],
  ['conversations', 'state'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, column] of BODIES) await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} set statistics 0`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, column] of BODIES) await sql`alter table ${sql.table(table)} alter column ${sql.ref(column)} set statistics -1`.execute(db);
}
