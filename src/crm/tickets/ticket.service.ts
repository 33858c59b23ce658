import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { slaDueTimes, type TicketConfig } from './ticket.config.js';
import type { TicketRepository } from './ticket.repository.js';
import {
  TICKET_CATEGORIES,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  TICKET_TRANSITIONS,
  TICKET_WISHES,
  toTicket,
  type NewTicket,
  type NotifyFn,
  type Ticket,
  type TicketEvent,
  type TicketListFilter,
  type TicketNote,
  type TicketPage,
  type TicketPatch,
  type TicketRow,
  type TicketsTable,
} from './ticket.types.js';
import type { Updateable } from 'kysely';
import type { Db } from '../../storage/database.js';

const FOREIGN_KEY_VIOLATION = '23503';
const uuid = z.string().uuid();
const text = (max: number) => z.string().trim().min(1).max(max);

const newTicketSchema = z.strictObject({
  customerId: uuid,
  channel: text(40),
  category: z.enum(TICKET_CATEGORIES),
  priority: z.enum(TICKET_PRIORITIES).optional(),
  subject: text(200),
  description: z.string().max(10_000).optional(),
  wish: z.enum(TICKET_WISHES).optional(),
  orderId: text(100).optional(),
  conversationId: uuid.optional(),
  assignee: text(100).optional(),
  idempotencyKey: text(200).optional(),
  actor: text(100).optional(),
});

const patchSchema = z.strictObject({
  status: z.enum(TICKET_STATUSES).optional(),
  priority: z.enum(TICKET_PRIORITIES).optional(),
  assignee: text(100).nullable().optional(),
  category: z.enum(TICKET_CATEGORIES).optional(),
});

const listSchema = z.strictObject({
  status: z.union([z.enum(TICKET_STATUSES), z.array(z.enum(TICKET_STATUSES)).min(1)]).optional(),
  priority: z.union([z.enum(TICKET_PRIORITIES), z.array(z.enum(TICKET_PRIORITIES)).min(1)]).optional(),
  assignee: text(100).nullable().optional(),
  customerId: uuid.optional(),
  breached: z.boolean().optional(),
  cursor: z.string().regex(/^\d{1,18}$/, 'must be a cursor from a previous page').optional(),
  limit: z.number().int().min(1).max(200).optional(),
});

/** Parses input with a zod schema; a failure is a 400 naming the field. */
function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const r = schema.safeParse(data);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const keys = issue.code === 'unrecognized_keys' ? ` ${issue.keys.join(', ')}` : '';
  throw new AppError('validation_failed', `${what}: ${issue.path.join('.') || '(root)'}${keys} ${issue.message}`, r.error.issues);
}

export interface TicketDetails {
  ticket: Ticket;
  notes: TicketNote[];
  events: TicketEvent[];
}

/**
 * Ticket rules: numbering, SLA due times by priority and loyalty tier, allowed status transitions,
 * breach detection, first response, and a satisfaction survey queued once after resolution.
 */
export class TicketService {
  constructor(
    private readonly repo: TicketRepository,
    private readonly clock: Clock,
    private readonly config: TicketConfig,
    private readonly notify: NotifyFn,
  ) {}

  /** Opens a ticket; a repeated idempotency key returns the ticket it created the first time. */
  async create(input: NewTicket): Promise<Ticket> {
    const t = parse(newTicketSchema, input, 'ticket');
    if (t.idempotencyKey) {
      const existing = await this.repo.findByIdempotencyKey(t.idempotencyKey);
      if (existing) return this.sameOwner(existing, t.customerId, t.idempotencyKey);
    }
    if (t.orderId) await this.checkOrderOwner(t.orderId, t.customerId);
    const now = this.clock.now();
    const priority = t.priority ?? this.config.defaultPriority;
    const tier = await this.repo.tierOf(t.customerId);
    const due = slaDueTimes(this.config, priority, tier, now);
    const created = await this.insertTicket(t, priority, tier, due, now);
    if (created) return toTicket(created);
    // Lost a race on the idempotency key: the winner's ticket is the answer.
    const winner = await this.repo.findByIdempotencyKey(t.idempotencyKey!);
    if (!winner) throw new AppError('conflict', `ticket with idempotency key ${t.idempotencyKey} vanished`);
    return this.sameOwner(winner, t.customerId, t.idempotencyKey!);
  }

  private async insertTicket(t: z.infer<typeof newTicketSchema>, priority: TicketRow['priority'], tier: string | null, due: { firstResponseDueAt: Date; resolutionDueAt: Date }, now: Date) {
    try {
      return await this.repo.transaction(async (repo) => {
      const row = await repo.insert({
        id: newId(), customer_id: t.customerId, channel: t.channel, category: t.category, priority, subject: t.subject,
        description: t.description ?? null, wish: t.wish ?? null, order_id: t.orderId ?? null, conversation_id: t.conversationId ?? null,
        assignee: t.assignee ?? null, tier, idempotency_key: t.idempotencyKey ?? null,
        first_response_due_at: due.firstResponseDueAt, resolution_due_at: due.resolutionDueAt, created_at: now, updated_at: now,
      });
      if (row) await repo.addEvent(row.id, 'created', t.actor ?? null, { priority, category: t.category, tier }, now);
      return row;
      });
    } catch (err) {
      if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) {
        const what = /conversation/.test((err as Error).message) ? `conversation ${t.conversationId}` : `customer ${t.customerId}`;
        throw new AppError('validation_failed', `ticket: ${what} does not exist`);
      }
      throw err;
    }
  }

  /** Staff view of one ticket with its notes and audit trail. */
  async get(number: string): Promise<TicketDetails> {
    const row = await this.repo.findByNumber(number);
    if (!row) throw new AppError('not_found', `ticket ${number} not found`);
    const [notes, events] = await Promise.all([this.repo.notes(row.id), this.repo.events(row.id)]);
    return { ticket: toTicket(row), notes, events };
  }

  /** The ticket only when it belongs to this customer (a foreign ticket is indistinguishable from none). */
  async findForCustomer(customerId: string, number: string): Promise<Ticket | undefined> {
    if (!uuid.safeParse(customerId).success) return undefined;
    const row = await this.repo.findForCustomer(customerId, number);
    return row ? toTicket(row) : undefined;
  }

  async list(filter: TicketListFilter = {}): Promise<TicketPage> {
    const f = parse(listSchema, filter, 'ticket filter');
    const limit = f.limit ?? 50;
    const rows = await this.repo.list({ ...f, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { items: page.map(toTicket), nextCursor: rows.length > limit ? page[page.length - 1].seq : null };
  }

  /** Applies a PATCH (status, priority, assignee, category) atomically, auditing each change. */
  async update(number: string, patch: TicketPatch, actor: string): Promise<Ticket> {
    const p = parse(patchSchema, patch, 'ticket patch');
    const now = this.clock.now();
    const row = await this.repo.transaction(async (repo, trx) => {
      const cur = await repo.lockByNumber(number);
      if (!cur) throw new AppError('not_found', `ticket ${number} not found`);
      const { set, events } = this.planPatch(cur, p, now);
      const next = events.length === 0 ? cur : await repo.update(cur.id, { ...set, updated_at: now });
      for (const e of events) await repo.addEvent(cur.id, e.type, actor, e.data, now);
      // The survey commits with the resolution (re-PATCHing a resolved ticket sends one still missing).
      if (next.status === 'resolved') await this.sendSurvey(next, repo, trx, now);
      return next;
    });
    return toTicket(row);
  }

  private planPatch(cur: TicketRow, p: z.infer<typeof patchSchema>, now: Date) {
    const set: Updateable<TicketsTable> = {};
    const events: { type: string; data: Record<string, unknown> }[] = [];
    if (p.status !== undefined && p.status !== cur.status) {
      if (!TICKET_TRANSITIONS[cur.status].includes(p.status)) {
        throw new AppError('conflict', `ticket ${cur.number} cannot move from ${cur.status} to ${p.status}`);
      }
      Object.assign(set, statusColumns(cur, p.status, now));
      events.push({ type: 'status_changed', data: { from: cur.status, to: p.status } });
    }
    if (p.priority !== undefined && p.priority !== cur.priority) {
      // Deadlines follow the new priority, counted from when the ticket was opened.
      const due = slaDueTimes(this.config, p.priority, cur.tier, cur.created_at);
      Object.assign(set, { priority: p.priority, first_response_due_at: due.firstResponseDueAt, resolution_due_at: due.resolutionDueAt });
      events.push({ type: 'priority_changed', data: { from: cur.priority, to: p.priority } });
    }
    if (p.assignee !== undefined && p.assignee !== cur.assignee) {
      set.assignee = p.assignee;
      events.push({ type: 'assigned', data: { from: cur.assignee, to: p.assignee } });
    }
    if (p.category !== undefined && p.category !== cur.category) {
      set.category = p.category;
      events.push({ type: 'category_changed', data: { from: cur.category, to: p.category } });
    }
    return { set, events };
  }

  /** Records the first staff response (later calls keep the first time). */
  async recordFirstResponse(number: string, actor: string): Promise<Ticket> {
    const now = this.clock.now();
    const row = await this.repo.transaction(async (repo) => {
      const cur = await repo.lockByNumber(number);
      if (!cur) throw new AppError('not_found', `ticket ${number} not found`);
      if (cur.first_response_at) return cur;
      await repo.addEvent(cur.id, 'first_response', actor, {}, now);
      return repo.update(cur.id, { first_response_at: now, updated_at: now });
    });
    return toTicket(row);
  }

  /** Adds an internal note (never shown to the customer). */
  async addNote(number: string, author: string, body: string): Promise<TicketNote> {
    const note = parse(text(10_000), body, 'note');
    const who = parse(text(100), author, 'note author');
    const row = await this.repo.findByNumber(number);
    if (!row) throw new AppError('not_found', `ticket ${number} not found`);
    const now = this.clock.now();
    return this.repo.transaction(async (repo) => {
      const created = await repo.addNote(row.id, who, note, now);
      await repo.addEvent(row.id, 'note_added', who, { noteId: created.id }, now);
      return created;
    });
  }

  /** Records the owner's 1–5 rating once, after resolution. */
  async recordSatisfaction(number: string, customerId: string, score: number, comment?: string): Promise<Ticket> {
    const s = parse(z.number().int().min(1).max(5), score, 'satisfaction score');
    const c = parse(z.string().trim().max(2_000).optional(), comment, 'satisfaction comment');
    const row = await this.findForCustomer(customerId, number);
    if (!row) throw new AppError('not_found', `ticket ${number} not found for customer ${customerId}`);
    if (row.status !== 'resolved' && row.status !== 'closed') {
      throw new AppError('conflict', `ticket ${number} is ${row.status}; it can be rated once it is resolved`);
    }
    const now = this.clock.now();
    const updated = await this.repo.transaction(async (repo) => {
      const r = await repo.recordSatisfaction(row.id, s, c ? c : null, now);
      if (r) await repo.addEvent(row.id, 'satisfaction_recorded', customerId, { score: s }, now);
      return r;
    });
    if (!updated) throw new AppError('conflict', `ticket ${number} was already rated`);
    return toTicket(updated);
  }

  /** The SLA job: marks newly breached tickets and returns them; a second run at the same time returns none. */
  async detectBreaches(now: Date = this.clock.now()): Promise<Ticket[]> {
    return (await this.repo.markBreaches(now)).map(toTicket);
  }

  private async sendSurvey(row: TicketRow, repo: TicketRepository, trx: Db, now: Date): Promise<void> {
    if (!(await repo.claimSurvey(row.id, now))) return;
    await this.notify(row.customer_id, { key: this.config.survey.key, vars: { number: row.number, subject: row.subject }, ticketNumber: row.number }, trx);
    await repo.addEvent(row.id, 'survey_queued', 'system', {}, now);
  }

  private sameOwner(row: TicketRow, customerId: string, key: string): Ticket {
    if (row.customer_id !== customerId) throw new AppError('conflict', `idempotency key ${key} belongs to another customer's ticket`);
    return toTicket(row);
  }

  private async checkOrderOwner(orderId: string, customerId: string): Promise<void> {
    const owner = await this.repo.orderOwner(orderId);
    if (owner !== undefined && owner !== null && owner !== customerId) {
      throw new AppError('forbidden', `order ${orderId} does not belong to customer ${customerId}`);
    }
  }
}

/** Columns that change with a status move; resolving also counts as the first response. */
function statusColumns(cur: TicketRow, to: TicketRow['status'], now: Date): Updateable<TicketsTable> {
  const set: Updateable<TicketsTable> = { status: to };
  if (to === 'resolved') {
    set.resolved_at = now;
    if (!cur.first_response_at) set.first_response_at = now;
  }
  if (to === 'closed') {
    set.closed_at = now;
    if (!cur.resolved_at) set.resolved_at = now;
  }
  if (to === 'open') set.resolved_at = null;
  return set;
}
