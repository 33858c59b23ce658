import type { ColumnType, Generated } from 'kysely';

export type HandoffStatus = 'waiting' | 'claimed' | 'released' | 'resolved' | 'cancelled';
export type HandoffReason = 'customer_request' | 'repeated_fallback' | 'anger' | 'no_product_match' | 'agent_pick' | (string & {});

export interface HandoffRequestsTable {
  id: string;
  conversation_id: string;
  customer_id: string;
  reason: string;
  note: string | null;
  priority: ColumnType<number, number | undefined, number>;
  status: ColumnType<HandoffStatus, HandoffStatus | undefined, HandoffStatus>;
  idempotency_key: string;
  requested_at: ColumnType<Date, Date | string | undefined, Date | string>;
  claimed_by: string | null;
  claimed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

declare module '../../storage/schema.js' {
  interface Database {
    handoff_requests: HandoffRequestsTable;
  }
}

export interface ConversationNotesTable {
  id: Generated<string>;
  conversation_id: string;
  customer_id: string;
  author_id: string;
  author_name: string;
  text: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

declare module '../../storage/schema.js' {
  interface Database {
    conversation_notes: ConversationNotesTable;
  }
}

/** Who acts on a conversation: a signed-in staff member, or the system (idle timeout). */
export interface Actor {
  id: string;
  name: string;
  role: 'admin' | 'agent' | 'marketer' | 'system';
  /** Where a staff action came from when not the API (e.g. 'slack'), for the audit log. */
  via?: string;
}

/** A live event on the coordination channel {@link AGENT_EVENTS}. */
export interface AgentEvent {
  type:
    | 'conversation.queued'
    | 'conversation.claimed'
    | 'conversation.released'
    | 'conversation.assigned'
    | 'conversation.handed_back'
    | 'conversation.resolved'
    | 'conversation.agent_message'
    | 'conversation.note'
    | 'conversation.customer_message';
  conversationId: string;
  owner: 'bot' | 'queue' | 'agent';
  agentId: string | null;
  agentName?: string | null;
  actor?: { id: string; name: string } | null;
  reason?: string;
  text?: string;
  at: string;
}

/** Coordination channel for ownership changes, agent messages and notes. */
export const AGENT_EVENTS = 'agents';
/** Coordination channel for customer messages in queued or agent-owned threads. */
export const AGENT_INBOUND = 'agents:inbound';
