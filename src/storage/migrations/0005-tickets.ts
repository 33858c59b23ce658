import { sql, type Kysely } from 'kysely';

/**
 * Support tickets (human numbers from a sequence, SLA due times, survey), their internal notes and
 * audit events; and the guard that makes the consent ledger append-only at the database level.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create sequence ticket_number_seq`.execute(db);
  await db.schema
    .createTable('tickets')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull().unique().defaultTo(sql`nextval('ticket_number_seq')`))
    // lpad would truncate past six digits, so longer numbers keep all their digits.
    .addColumn('number', 'text', (c) =>
      c.notNull().unique().generatedAlwaysAs(sql`'T-' || case when seq < 1000000 then lpad(seq::text, 6, '0') else seq::text end`).stored(),
    )
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull().check(sql`category in ('delivery','product','payment','refund','account','other')`))
    .addColumn('priority', 'text', (c) => c.notNull().check(sql`priority in ('low','normal','high','urgent')`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open','pending','resolved','closed')`))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('wish', 'text', (c) => c.check(sql`wish in ('refund','replacement','apology','other')`))
    .addColumn('order_id', 'text')
    .addColumn('conversation_id', 'uuid', (c) => c.references('conversations.id').onDelete('set null'))
    .addColumn('assignee', 'text')
    .addColumn('tier', 'text')
    .addColumn('idempotency_key', 'text', (c) => c.unique())
    .addColumn('first_response_due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('resolution_due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('first_response_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('breached_at', 'timestamptz')
    .addColumn('breach_kind', 'text', (c) => c.check(sql`breach_kind in ('first_response','resolution')`))
    .addColumn('survey_sent_at', 'timestamptz')
    .addColumn('satisfaction_score', 'smallint', (c) => c.check(sql`satisfaction_score between 1 and 5`))
    .addColumn('satisfaction_comment', 'text')
    .addColumn('satisfaction_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tickets_customer_idx').on('tickets').columns(['customer_id', 'seq']).execute();
  await db.schema.createIndex('tickets_status_idx').on('tickets').columns(['status', 'priority', 'seq']).execute();
  await db.schema.createIndex('tickets_assignee_idx').on('tickets').columns(['assignee', 'seq']).execute();
  // The breach job only ever looks at live tickets that have not breached yet.
  await sql`create index tickets_sla_idx on tickets (resolution_due_at, first_response_due_at)
    where breached_at is null and status in ('open','pending')`.execute(db);

  await db.schema
    .createTable('ticket_notes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('ticket_id', 'uuid', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('author', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ticket_notes_ticket_idx').on('ticket_notes').columns(['ticket_id', 'id']).execute();

  await db.schema
    .createTable('ticket_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('ticket_id', 'uuid', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ticket_events_ticket_idx').on('ticket_events').columns(['ticket_id', 'id']).execute();

  // The consent ledger is evidence: rows are only ever appended, whatever code path tries otherwise.
  await sql`
    create or replace function consents_append_only() returns trigger language plpgsql as $$
    begin
      -- Re-keying a record to another customer (an identity merge moves its consents along) keeps
      -- what was consented, how and when; any other change or a delete is refused.
      if tg_op = 'UPDATE' and (new.id, new.channel, new.purpose, new.granted, new.source, new.evidence, new.created_at)
          is not distinct from (old.id, old.channel, old.purpose, old.granted, old.source, old.evidence, old.created_at) then
        return new;
      end if;
      raise exception 'consents is an append-only ledger: % is not allowed', tg_op
        using errcode = 'P0001', hint = 'append a new record instead';
    end
    $$`.execute(db);
  await sql`create trigger consents_no_update_delete before update or delete on consents
    for each row execute function consents_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists consents_no_update_delete on consents`.execute(db);
  await sql`drop function if exists consents_append_only()`.execute(db);
  for (const t of ['ticket_events', 'ticket_notes', 'tickets']) await db.schema.dropTable(t).ifExists().execute();
  await sql`drop sequence if exists ticket_number_seq`.execute(db);
}
