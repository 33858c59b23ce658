import { sql, type Kysely, type Updateable } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { TicketEvent, TicketListFilter, TicketNote, TicketRow, TicketsTable } from './ticket.types.js';
import type { Db } from '../../storage/database.js';

export type NewTicketRow = Omit<TicketRow, 'seq' | 'number' | 'status' | 'first_response_at' | 'resolved_at' | 'closed_at' | 'breached_at' | 'breach_kind' | 'survey_sent_at' | 'satisfaction_score' | 'satisfaction_comment' | 'satisfaction_at'>;

const UNDEFINED_TABLE = '42P01';

/** Storage of tickets, their notes and audit events (queries only; rules live in TicketService). */
export class TicketRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Runs `fn` in one transaction with a repository bound to it. */
  transaction<T>(fn: (repo: TicketRepository, trx: Db) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new TicketRepository(trx), trx));
  }

  /** Inserts a ticket; undefined when another ticket already holds the idempotency key. */
  insert(row: NewTicketRow): Promise<TicketRow | undefined> {
    return this.db
      .insertInto('tickets')
      .values(row)
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  findByIdempotencyKey(key: string): Promise<TicketRow | undefined> {
    return this.db.selectFrom('tickets').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
  }

  findByNumber(number: string): Promise<TicketRow | undefined> {
    return this.db.selectFrom('tickets').selectAll().where('number', '=', number).executeTakeFirst();
  }

  /** The ticket only when it belongs to the customer: a foreign number looks exactly like a missing one. */
  findForCustomer(customerId: string, number: string): Promise<TicketRow | undefined> {
    return this.db.selectFrom('tickets').selectAll().where('number', '=', number).where('customer_id', '=', customerId).executeTakeFirst();
  }

  /** Reads and row-locks a ticket for a read-modify-write inside {@link transaction}. */
  lockByNumber(number: string): Promise<TicketRow | undefined> {
    return this.db.selectFrom('tickets').selectAll().where('number', '=', number).forUpdate().executeTakeFirst();
  }

  update(id: string, set: Updateable<TicketsTable>): Promise<TicketRow> {
    return this.db.updateTable('tickets').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  }

  /** Newest first, keyset-paged by the ticket sequence. */
  list(f: TicketListFilter & { limit: number }): Promise<TicketRow[]> {
    let q = this.db.selectFrom('tickets').selectAll();
    if (f.status !== undefined) q = q.where('status', 'in', ([] as string[]).concat(f.status) as TicketRow['status'][]);
    if (f.priority !== undefined) q = q.where('priority', 'in', ([] as string[]).concat(f.priority) as TicketRow['priority'][]);
    if (f.assignee === null) q = q.where('assignee', 'is', null);
    else if (f.assignee !== undefined) q = q.where('assignee', '=', f.assignee);
    if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId);
    if (f.breached !== undefined) q = q.where('breached_at', f.breached ? 'is not' : 'is', null);
    if (f.cursor !== undefined) q = q.where('seq', '<', f.cursor);
    return q.orderBy('seq', 'desc').limit(f.limit).execute();
  }

  addEvent(ticketId: string, type: string, actor: string | null, data: Record<string, unknown>, at: Date): Promise<unknown> {
    return this.db.insertInto('ticket_events').values({ ticket_id: ticketId, type, actor, data: JSON.stringify(data), created_at: at }).execute();
  }

  addNote(ticketId: string, author: string, text: string, at: Date): Promise<TicketNote> {
    return this.db.insertInto('ticket_notes').values({ ticket_id: ticketId, author, text, created_at: at }).returningAll().executeTakeFirstOrThrow();
  }

  notes(ticketId: string): Promise<TicketNote[]> {
    return this.db.selectFrom('ticket_notes').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
  }

  events(ticketId: string): Promise<TicketEvent[]> {
    return this.db.selectFrom('ticket_events').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
  }

  /**
   * Marks every live ticket whose first-response or resolution deadline has passed, in one
   * statement (so two instances running the job never mark a ticket twice), with an audit event.
   */
  async markBreaches(now: Date): Promise<TicketRow[]> {
    const result = await sql<TicketRow>`
      with hit as (
        update tickets t set
          breached_at = ${now},
          breach_kind = case when t.first_response_at is null and t.first_response_due_at <= ${now}
                             then 'first_response' else 'resolution' end,
          updated_at = ${now}
        where t.breached_at is null and t.status in ('open','pending')
          and ((t.first_response_at is null and t.first_response_due_at <= ${now}) or t.resolution_due_at <= ${now})
        returning t.*
      ), logged as (
        insert into ticket_events (ticket_id, type, actor, data, created_at)
        select id, 'sla_breached', 'system', jsonb_build_object('kind', breach_kind), ${now} from hit
      )
      select * from hit order by seq`.execute(this.db);
    return result.rows;
  }

  /** Claims the right to send the survey once; false when it was already sent. */
  async claimSurvey(id: string, at: Date): Promise<boolean> {
    const r = await this.db.updateTable('tickets').set({ survey_sent_at: at }).where('id', '=', id).where('survey_sent_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Stores the score unless one exists already or the ticket is not resolved/closed; undefined then. */
  recordSatisfaction(id: string, score: number, comment: string | null, at: Date): Promise<TicketRow | undefined> {
    return this.db
      .updateTable('tickets')
      .set({ satisfaction_score: score, satisfaction_comment: comment, satisfaction_at: at, updated_at: at })
      .where('id', '=', id)
      .where('satisfaction_at', 'is', null)
      .where('status', 'in', ['resolved', 'closed'])
      .returningAll()
      .executeTakeFirst();
  }

  /** The customer's loyalty tier, or null when they are no member (or loyalty is not installed). */
  async tierOf(customerId: string): Promise<string | null> {
    try {
      const r = await sql<{ tier: string | null }>`select tier from loyalty_members where customer_id = ${customerId}`.execute(this.db);
      return r.rows[0]?.tier ?? null;
    } catch (err) {
      if ((err as { code?: string }).code === UNDEFINED_TABLE) return null;
      throw err;
    }
  }

  /** Owner of an order: undefined when the order is unknown, null when it has no customer. */
  async orderOwner(orderId: string): Promise<string | null | undefined> {
    try {
      const r = await sql<{ customer_id: string | null }>`select customer_id from orders where id = ${orderId}`.execute(this.db);
      return r.rows.length === 0 ? undefined : r.rows[0].customer_id;
    } catch (err) {
      if ((err as { code?: string }).code === UNDEFINED_TABLE) return undefined;
      throw err;
    }
  }
}

