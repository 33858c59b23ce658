import { sql } from 'kysely';
import type { Db } from '../../../src/storage/database.js';

/**
 * Until migration 0002 (customers' shop columns and the orders table) lands, tests and the import
 * benchmark add the same columns themselves. A no-op once the real migration has run.
 */
export async function ensureCustomerOrderSchema(db: Db): Promise<'migration' | 'shim'> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.columns
    where table_schema = current_schema() and table_name = 'customers' and column_name = 'shop_customer_id'`.execute(db);
  const { rows: orders } = await sql<{ t: string | null }>`select to_regclass('orders')::text as t`.execute(db);
  if (rows[0].n > 0 && orders[0].t) return 'migration';
  await sql`
    alter table customers
      add column if not exists email text,
      add column if not exists phone text,
      add column if not exists tags text[] not null default '{}',
      add column if not exists shop_customer_id text unique,
      add column if not exists lifetime_spend numeric(12,2) not null default 0,
      add column if not exists order_count int not null default 0,
      add column if not exists last_order_at timestamptz,
      add column if not exists birthday date,
      add column if not exists erased_at timestamptz`.execute(db);
  await sql`
    create table if not exists orders (
      id text primary key, customer_id uuid not null references customers(id), shop_customer_id text, status text not null,
      total numeric(12,2) not null, currency text not null, items jsonb not null default '[]', created_at timestamptz not null,
      updated_at timestamptz not null default now(), paid_at timestamptz, shipped_at timestamptz, delivered_at timestamptz,
      cancelled_at timestamptz, refunded_at timestamptz, tracking_number text, carrier text)`.execute(db);
  return 'shim';
}
