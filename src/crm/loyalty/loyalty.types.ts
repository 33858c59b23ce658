import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Db } from '../../storage/database.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type LedgerKind =
  | 'earn_order'
  | 'earn_signup'
  | 'earn_first_order'
  | 'earn_birthday'
  | 'earn_review'
  | 'reverse_refund'
  | 'expire'
  | 'redeem'
  | 'adjust';

export type MemberStatus = 'active' | 'suspended';

export interface LoyaltyMembersTable {
  customer_id: string;
  tier: string;
  status: MemberStatus;
  joined_at: Timestamp;
  terms_version: string;
  terms_accepted_at: Timestamp;
  marketing_opt_in_asked: boolean;
  next_review_at: Timestamp;
  tier_since: Timestamp;
}

/** Append-only: a trigger refuses UPDATE and DELETE. */
export interface PointsLedgerTable {
  id: Generated<string>;
  customer_id: string;
  delta: number;
  kind: LedgerKind;
  idempotency_key: string;
  order_id: string | null;
  /** The earning entry an `expire` entry retires. */
  lot_id: string | null;
  reason: string | null;
  available_at: Timestamp | null;
  expires_at: Timestamp | null;
  created_at: Timestamp;
  created_by: string | null;
}

export interface RewardsTable {
  id: string;
  name_en: string;
  name_zh: string;
  cost_points: number;
  coupon_type: 'fixed' | 'percent' | 'free_shipping';
  coupon_value: number;
  coupon_currency: string | null;
  valid_days: number;
  stock: number | null;
  active: boolean;
  updated_at: Timestamp;
}

export interface CouponsTable {
  code: string;
  customer_id: string;
  reward_id: string;
  points_cost: number;
  idempotency_key: string;
  ledger_id: string;
  issued_at: Timestamp;
  expires_at: Timestamp;
  redeemed_at: Timestamp | null;
  redeemed_order_id: string | null;
}

export interface TierHistoryTable {
  id: Generated<string>;
  customer_id: string;
  from_tier: string | null;
  to_tier: string;
  reason: string;
  at: Timestamp;
}

export interface LoyaltyInvitationsTable {
  code: string;
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  used_by: string | null;
  used_at: Timestamp | null;
}

declare module '../../storage/schema.js' {
  interface Database {
    loyalty_members: LoyaltyMembersTable;
    points_ledger: PointsLedgerTable;
    rewards: RewardsTable;
    coupons: CouponsTable;
    tier_history: TierHistoryTable;
    loyalty_invitations: LoyaltyInvitationsTable;
  }
}

export type LoyaltyMember = Selectable<LoyaltyMembersTable>;
export type LedgerEntry = Selectable<PointsLedgerTable>;
export type Reward = Selectable<RewardsTable>;
export type Coupon = Selectable<CouponsTable>;
export type TierChange = Selectable<TierHistoryTable>;

/**
 * Columns of tables owned by the customers/orders module (migration 0002) that loyalty reads.
 * Used through `db.withTables<ShopTables>()` so this module does not re-declare their types.
 */
export type ShopTables = {
  orders: {
    id: string;
    customer_id: string | null;
    status: string;
    total: number;
    currency: string;
    items: unknown;
    created_at: Date;
    paid_at: Date | null;
    delivered_at: Date | null;
  };
  customers: {
    id: string;
    lifetime_spend: number;
    birthday: string | Date | null;
    erased_at: Date | null;
  };
};

export type Localized = { en: string; 'zh-CN': string };

export interface PointsBalance {
  /** Sum of every ledger entry. */
  total: number;
  /** Spendable now (past the return window). */
  available: number;
  /** Earned but still inside the return window. */
  pending: number;
  expiringSoon: Array<{ points: number; at: Date }>;
}

export interface TierProgress {
  tier: { id: string; name: Localized; since: Date };
  next: { id: string; name: Localized; threshold: number } | null;
  basis: 'spend' | 'points';
  /** Qualifying spend or points over the rolling window. */
  qualifying: number;
  /** How much more qualifying spend/points reach the next tier (0 at the top). */
  needed: number;
  multiplier: number;
  benefits: { en: string[]; 'zh-CN': string[] };
  nextReviewAt: Date;
}

export interface LoyaltyNotification {
  /** Reply key, e.g. loyalty.tier_upgraded. */
  key: string;
  vars: Record<string, string | number>;
  /** Stable key so a repeated call enqueues once (use as the outbox dedupe key). */
  dedupeKey: string;
}

/** Queues a notice; with `trx`, inside that transaction (so it commits with the change it announces). */
export type Notify = (customerId: string, notification: LoyaltyNotification, trx?: Db) => Promise<void>;
