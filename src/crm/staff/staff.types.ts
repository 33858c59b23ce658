import type { ColumnType, Generated } from 'kysely';

export type StaffRole = 'admin' | 'agent' | 'marketer';
export const STAFF_ROLES: readonly StaffRole[] = ['admin', 'agent', 'marketer'];

export interface StaffUsersTable {
  id: string;
  name: string;
  email: string | null;
  role: StaffRole;
  password_hash: string | null;
  token_hash: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  disabled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface StaffSessionsTable {
  token_hash: string;
  user_id: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

export interface AuditLogTable {
  id: Generated<string>;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  customer_id: string | null;
  detail: ColumnType<unknown, string | null | undefined, string | null>;
  at: ColumnType<Date, Date | string | undefined, never>;
}

/** The signed-in staff member a request acts for. */
export interface StaffPrincipal {
  id: string;
  name: string;
  role: StaffRole;
}

declare module '../../storage/schema.js' {
  interface Database {
    staff_users: StaffUsersTable;
    staff_sessions: StaffSessionsTable;
    audit_log: AuditLogTable;
  }
}
