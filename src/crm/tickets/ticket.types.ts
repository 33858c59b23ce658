import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Db } from '../../storage/database.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string | T, string | T>;

export const TICKET_CATEGORIES = ['delivery', 'product', 'payment', 'refund', 'account', 'other'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const TICKET_STATUSES = ['open', 'pending', 'resolved', 'closed'] as const;
export const TICKET_WISHES = ['refund', 'replacement', 'apology', 'other'] as const;

export type TicketCategory = (typeof TICKET_CATEGORIES)[number];
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketWish = (typeof TICKET_WISHES)[number];
export type BreachKind = 'first_response' | 'resolution';

/** Which status may follow which. Closed is final; resolved may be reopened. */
export const TICKET_TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ['pending', 'resolved', 'closed'],
  pending: ['open', 'resolved', 'closed'],
  resolved: ['open', 'closed'],
  closed: [],
};

export interface TicketsTable {
  id: string;
  seq: Generated<string>;
  number: Generated<string>;
  customer_id: string;
  channel: string;
  category: TicketCategory;
  priority: TicketPriority;
  status: Generated<TicketStatus>;
  subject: string;
  description: string | null;
  wish: TicketWish | null;
  order_id: string | null;
  conversation_id: string | null;
  assignee: string | null;
  tier: string | null;
  idempotency_key: string | null;
  first_response_due_at: Timestamp;
  resolution_due_at: Timestamp;
  first_response_at: Timestamp | null;
  resolved_at: Timestamp | null;
  closed_at: Timestamp | null;
  breached_at: Timestamp | null;
  breach_kind: BreachKind | null;
  survey_sent_at: Timestamp | null;
  satisfaction_score: number | null;
  satisfaction_comment: string | null;
  satisfaction_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TicketNotesTable {
  id: Generated<string>;
  ticket_id: string;
  author: string;
  text: string;
  created_at: Timestamp;
}

export interface TicketEventsTable {
  id: Generated<string>;
  ticket_id: string;
  type: string;
  actor: string | null;
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

declare module '../../storage/schema.js' {
  interface Database {
    tickets: TicketsTable;
    ticket_notes: TicketNotesTable;
    ticket_events: TicketEventsTable;
  }
}

export type TicketRow = Selectable<TicketsTable>;
export type TicketNote = Selectable<TicketNotesTable>;
export type TicketEvent = Selectable<TicketEventsTable>;

/** A ticket as services and the API see it. */
export interface Ticket {
  id: string;
  number: string;
  customerId: string;
  channel: string;
  category: TicketCategory;
  priority: TicketPriority;
  status: TicketStatus;
  subject: string;
  description: string | null;
  wish: TicketWish | null;
  orderId: string | null;
  conversationId: string | null;
  assignee: string | null;
  tier: string | null;
  firstResponseDueAt: Date;
  resolutionDueAt: Date;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  breachedAt: Date | null;
  breachKind: BreachKind | null;
  satisfaction: { score: number; comment: string | null; at: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewTicket {
  customerId: string;
  channel: string;
  category: TicketCategory;
  priority?: TicketPriority;
  subject: string;
  description?: string;
  wish?: TicketWish;
  orderId?: string;
  conversationId?: string;
  assignee?: string;
  idempotencyKey?: string;
  /** Who opened it (customer, agent id, 'bot'); recorded in the audit trail. */
  actor?: string;
}

/** PATCH semantics: only the keys present change; `assignee: null` unassigns. */
export interface TicketPatch {
  status?: TicketStatus;
  priority?: TicketPriority;
  assignee?: string | null;
  category?: TicketCategory;
}

export interface TicketListFilter {
  status?: TicketStatus | TicketStatus[];
  priority?: TicketPriority | TicketPriority[];
  /** An agent id, or null for unassigned tickets. */
  assignee?: string | null;
  customerId?: string;
  breached?: boolean;
  /** Keyset cursor: the `nextCursor` of the previous page. */
  cursor?: string;
  limit?: number;
}

export interface TicketPage {
  items: Ticket[];
  nextCursor: string | null;
}

/** What the survey callback gets: a reply key, its variables and the ticket it is about. */
export interface SurveyNotice {
  key: string;
  vars: Record<string, string | number>;
  ticketNumber: string;
}

/** Queues the notice; with `trx`, inside that transaction. */
export type NotifyFn = (customerId: string, notice: SurveyNotice, trx?: Db) => Promise<void>;

export function toTicket(r: TicketRow): Ticket {
  return {
    id: r.id,
    number: r.number,
    customerId: r.customer_id,
    channel: r.channel,
    category: r.category,
    priority: r.priority,
    status: r.status,
    subject: r.subject,
    description: r.description,
    wish: r.wish,
    orderId: r.order_id,
    conversationId: r.conversation_id,
    assignee: r.assignee,
    tier: r.tier,
    firstResponseDueAt: r.first_response_due_at,
    resolutionDueAt: r.resolution_due_at,
    firstResponseAt: r.first_response_at,
    resolvedAt: r.resolved_at,
    closedAt: r.closed_at,
    breachedAt: r.breached_at,
    breachKind: r.breach_kind,
    satisfaction:
      r.satisfaction_score !== null && r.satisfaction_at !== null
        ? { score: r.satisfaction_score, comment: r.satisfaction_comment, at: r.satisfaction_at }
        : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
