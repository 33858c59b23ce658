import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Table types for Kysely. One interface per table; each migration that adds a table or column
 * updates this file. Timestamps read back as Date on both PGlite and PostgreSQL.
 */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string | T, string | T>;

export interface CustomersTable {
  id: string;
  name: string | null;
  locale: string | null;
  timezone: string | null;
  created_at: CreatedAt;
  first_seen_at: Timestamp | null;
  last_seen_at: Timestamp | null;
}

export interface IdentitiesTable {
  id: string;
  customer_id: string;
  channel: string;
  external_id: string;
  display_name: string | null;
  verified: Generated<boolean>;
  unreachable_at: Timestamp | null;
  unreachable_reason: string | null;
  created_at: CreatedAt;
}

export type ConversationOwner = 'bot' | 'queue' | 'agent';

export interface ConversationsTable {
  id: string;
  customer_id: string;
  channel: string;
  external_id: string;
  owner: Generated<ConversationOwner>;
  agent_id: string | null;
  locale: string | null;
  state: Json<Record<string, unknown>>;
  version: Generated<number>;
  created_at: CreatedAt;
  last_message_at: Timestamp | null;
}

export interface InboundMessagesTable {
  id: string;
  channel: string;
  external_id: string;
  conversation_id: string;
  customer_id: string;
  text: string | null;
  payload: string | null;
  locale: string | null;
  intent: string | null;
  confidence: number | null;
  flow: string | null;
  received_at: Timestamp;
  created_at: CreatedAt;
}

export type OutboxKind = 'reply' | 'agent' | 'campaign' | 'system';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'suppressed';

export interface OutboxTable {
  id: Generated<string>;
  dedupe_key: string;
  conversation_id: string | null;
  customer_id: string | null;
  channel: string;
  recipient: string;
  kind: OutboxKind;
  author: string | null;
  message: Json<import('../core/message.js').OutboundMessage>;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_error: string | null;
  inbound_id: string | null;
  platform_message_id: string | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
  send_started_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ConsentsTable {
  id: Generated<string>;
  customer_id: string;
  channel: string;
  purpose: 'transactional' | 'marketing';
  granted: boolean;
  source: string;
  evidence: string | null;
  created_at: CreatedAt;
}

export interface SettingsTable {
  key: string;
  value: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface Database {
  customers: CustomersTable;
  identities: IdentitiesTable;
  conversations: ConversationsTable;
  inbound_messages: InboundMessagesTable;
  outbox: OutboxTable;
  consents: ConsentsTable;
  settings: SettingsTable;
}

export type Customer = Selectable<CustomersTable>;
export type Identity = Selectable<IdentitiesTable>;
export type Conversation = Selectable<ConversationsTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type NewOutboxRow = Insertable<OutboxTable>;
export type ConversationUpdate = Updateable<ConversationsTable>;
