import type { ColumnType, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** Columns that migration 0002 adds to `customers` (merged into the foundation's table type). */
declare module '../../storage/schema.js' {
  interface CustomersTable {
    email: string | null;
    phone: string | null;
    tags: Defaulted<string[]>;
    /** The shop's id for this customer (unique); null for chat-only customers. */
    shop_customer_id: string | null;
    /** Sum of paid/shipped/delivered order totals (refunded and cancelled orders count 0). */
    lifetime_spend: Defaulted<number>;
    /** Number of paid/shipped/delivered orders. */
    order_count: Defaulted<number>;
    /** Latest `created_at` of an order that was not cancelled or refunded. */
    last_order_at: Timestamp | null;
    /**
     * A calendar date. Reads back as a Date at midnight (UTC on PGlite, local time on `pg`), so
     * compare with `to_char(birthday, 'MM-DD')` in SQL; CustomerRepository reads it as 'YYYY-MM-DD'.
     */
    birthday: ColumnType<Date | string, string | null | undefined, string | null>;
    /** Set when personal data was erased; the row stays so ledgers and totals keep their owner. */
    erased_at: Timestamp | null;
  }
  interface Database {
    identity_link_codes: IdentityLinkCodesTable;
  }
}

/** A one-time code proving that a new channel identity belongs to an existing customer. */
export interface IdentityLinkCodesTable {
  id: string;
  /** The customer the identity will join once the code is confirmed. */
  customer_id: string;
  /** The identity being linked. */
  channel: string;
  external_id: string;
  /** sha256 of `id:code`; the code itself is never stored. */
  code_hash: string;
  expires_at: Timestamp;
  attempts: Defaulted<number>;
  used_at: Timestamp | null;
  created_at: Timestamp;
}

export type IdentityLinkCode = Selectable<IdentityLinkCodesTable>;

/** A customer as services and the admin API see it (birthday as 'YYYY-MM-DD'). */
export interface CustomerProfile {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  locale: string | null;
  timezone: string | null;
  birthday: string | null;
  tags: string[];
  shopCustomerId: string | null;
  lifetimeSpend: number;
  orderCount: number;
  lastOrderAt: Date | null;
  createdAt: Date;
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
  erasedAt: Date | null;
}

export interface CustomerIdentity {
  id: string;
  channel: string;
  externalId: string;
  displayName: string | null;
  verified: boolean;
  unreachableAt: Date | null;
  createdAt: Date;
}

/** Changes to a profile; `null` clears a field, an absent key leaves it alone. */
export interface ProfileUpdate {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  locale?: string | null;
  timezone?: string | null;
  birthday?: string | null;
  addTags?: string[];
  removeTags?: string[];
}

export interface CustomerSearch {
  /** Case-insensitive substring of name, email or phone. */
  q?: string;
  tag?: string;
  shopId?: string;
  includeErased?: boolean;
  limit?: number;
  offset?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
