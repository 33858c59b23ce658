import { sql, type Kysely } from 'kysely';

/** Customers, identities, conversations, the inbound log, the outbox, consent and settings. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('customers')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('locale', 'text')
    .addColumn('timezone', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('first_seen_at', 'timestamptz')
    .addColumn('last_seen_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('identities')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('verified', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('unreachable_at', 'timestamptz')
    .addColumn('unreachable_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('identities_channel_external_uq', ['channel', 'external_id'])
    .execute();
  await db.schema.createIndex('identities_customer_idx').on('identities').column('customer_id').execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull().defaultTo('bot').check(sql`owner in ('bot','queue','agent')`))
    .addColumn('agent_id', 'text')
    .addColumn('locale', 'text')
    .addColumn('state', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_message_at', 'timestamptz')
    .addUniqueConstraint('conversations_channel_external_uq', ['channel', 'external_id'])
    .execute();
  await db.schema.createIndex('conversations_customer_idx').on('conversations').column('customer_id').execute();
  await db.schema.createIndex('conversations_owner_idx').on('conversations').columns(['owner', 'last_message_at']).execute();

  // One row per platform message: the unique key is what makes a redelivered update a no-op.
  await db.schema
    .createTable('inbound_messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('customer_id', 'uuid', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('payload', 'text')
    .addColumn('locale', 'text')
    .addColumn('intent', 'text')
    .addColumn('confidence', 'real')
    .addColumn('flow', 'text')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('inbound_channel_external_uq', ['channel', 'external_id'])
    .execute();
  await db.schema.createIndex('inbound_conversation_idx').on('inbound_messages').columns(['conversation_id', 'created_at']).execute();

  // Every outbound message (reply, agent, campaign, system) passes through here to one sender.
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('conversation_id', 'uuid', (c) => c.references('conversations.id').onDelete('cascade'))
    .addColumn('customer_id', 'uuid')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('reply','agent','campaign','system')`))
    .addColumn('author', 'text')
    .addColumn('message', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending','sending','sent','failed','suppressed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('inbound_id', 'uuid')
    .addColumn('platform_message_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['status', 'next_attempt_at']).where(sql.ref('status'), '=', 'pending').execute();
  await db.schema.createIndex('outbox_conversation_idx').on('outbox').columns(['conversation_id', 'created_at']).execute();

  // Consent ledger: never updated or deleted; the latest row per (customer, channel, purpose) wins.
  await db.schema
    .createTable('consents')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull().check(sql`purpose in ('transactional','marketing')`))
    .addColumn('granted', 'boolean', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('consents_lookup_idx').on('consents').columns(['customer_id', 'channel', 'purpose', 'id']).execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['settings', 'consents', 'outbox', 'inbound_messages', 'conversations', 'identities', 'customers']) {
    await db.schema.dropTable(t).ifExists().execute();
  }
}
