import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { liveConsentCustomerIds } from '../consent/consent.repository.js';
import type { SegmentFilter } from './segment.filter.js';

/**
 * The columns segments read from tables other modules own (customer profile, orders, loyalty).
 * Declared here rather than borrowed from their augmentations, so this module only depends on the
 * columns it actually uses.
 */
export interface SegmentSourceTables {
  customers: {
    id: string;
    name: string | null;
    locale: string | null;
    last_seen_at: Date | null;
    tags: string[];
    lifetime_spend: number;
    erased_at: Date | null;
  };
  identities: { customer_id: string; channel: string; unreachable_at: Date | null };
  orders: { id: string; customer_id: string | null; status: string; total: number; created_at: Date };
  loyalty_members: { customer_id: string; tier: string };
}

type Eb = ExpressionBuilder<SegmentSourceTables, 'customers'>;
const DAY_MS = 86_400_000;
// Orders that never happened (cancelled) or were given back (refunded) do not make a customer valuable.
const NOT_COUNTED = ['cancelled', 'refunded'];

export function sourceDb(db: Kysely<Database>): Kysely<SegmentSourceTables> {
  return db as unknown as Kysely<SegmentSourceTables>;
}

/**
 * The WHERE condition for a filter over `customers`, entirely in SQL with bound parameters.
 * `now` anchors the relative-day keys so a preview and a later materialisation agree.
 */
export function segmentCondition(db: Kysely<Database>, eb: Eb, f: SegmentFilter, now: Date): Expression<SqlBool> {
  const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const c: Expression<SqlBool>[] = [eb('customers.erased_at', 'is', null)];
  if (f.tier) c.push(eb('customers.id', 'in', eb.selectFrom('loyalty_members').select('loyalty_members.customer_id').where('loyalty_members.tier', 'in', f.tier)));
  if (f.tags) c.push(sql<SqlBool>`customers.tags @> array[${sql.join(f.tags.map((t) => sql.val(t)))}]::text[]`);
  if (f.channel) {
    c.push(eb.exists(eb.selectFrom('identities').select(sql.lit(1).as('one'))
      .whereRef('identities.customer_id', '=', 'customers.id')
      .where('identities.channel', '=', f.channel)
      .where('identities.unreachable_at', 'is', null)));
  }
  if (f.locale) c.push(eb('customers.locale', 'in', f.locale));
  if (f.lastSeenWithinDays !== undefined) c.push(eb('customers.last_seen_at', '>=', ago(f.lastSeenWithinDays)));
  if (f.minSpend !== undefined) c.push(eb('customers.lifetime_spend', '>=', f.minSpend));
  if (f.rfm) c.push(eb('customers.id', 'in', rfmMembers(eb, f.rfm)));
  if (f.lastOrderWithinDays !== undefined) c.push(eb.exists(ordersSince(eb, ago(f.lastOrderWithinDays))));
  if (f.noOrderForDays !== undefined) c.push(eb.not(eb.exists(ordersSince(eb, ago(f.noOrderForDays)))));
  if (f.consent) {
    const live = liveConsentCustomerIds(db, f.consent.channel, f.consent.purpose, now);
    c.push(eb('customers.id', 'in', live as unknown as Expression<string>));
  }
  return eb.and(c);
}

function ordersSince(eb: Eb, since: Date) {
  return eb
    .selectFrom('orders')
    .select(sql.lit(1).as('one'))
    .whereRef('orders.customer_id', '=', 'customers.id')
    .where('orders.status', '<>', 'cancelled')
    .where('orders.created_at', '>=', since);
}

/**
 * Customers whose RFM scores fall in the bands. Scores are quintiles (NTILE(5)) over customers with
 * counted orders: 5 = most recent / most frequent / highest spend. Ties break by customer id so a
 * score is stable between runs.
 */
function rfmMembers(eb: Eb, bands: NonNullable<SegmentFilter['rfm']>) {
  const scores = eb
    .selectFrom('orders')
    .select([
      'orders.customer_id',
      sql<number>`ntile(5) over (order by max(orders.created_at), orders.customer_id)`.as('r'),
      sql<number>`ntile(5) over (order by count(*), orders.customer_id)`.as('f'),
      sql<number>`ntile(5) over (order by sum(orders.total), orders.customer_id)`.as('m'),
    ])
    .where('orders.customer_id', 'is not', null)
    .where('orders.status', 'not in', NOT_COUNTED)
    .groupBy('orders.customer_id')
    .as('rfm');
  let q = eb.selectFrom(scores).select('rfm.customer_id');
  for (const key of ['r', 'f', 'm'] as const) {
    const b = bands[key];
    if (b) q = q.where(`rfm.${key}`, '>=', b[0]).where(`rfm.${key}`, '<=', b[1]);
  }
  return q;
}
