import { sql, type Kysely } from 'kysely';

/** Training phrases added by admins through the API (on top of config/intents/*.json). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('training_phrases')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('intent', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One phrase once per intent, whatever its case or surrounding spaces.
  await sql`create unique index training_phrases_uq on training_phrases (intent, lower(btrim(text)))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('training_phrases').ifExists().execute();
}
