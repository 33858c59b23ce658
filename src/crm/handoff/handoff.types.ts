import type { ColumnType } from 'kysely';

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
