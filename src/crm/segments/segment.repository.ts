import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { SegmentFilter } from './segment.filter.js';
import { segmentCondition, sourceDb } from './segment.query.js';
import type { SegmentRow, SegmentSampleRow } from './segment.types.js';

const UNIQUE_VIOLATION = '23505';

/** Saved segments, and the SQL that evaluates a filter over customers. */
export class SegmentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Runs `fn` in one transaction, with a repository bound to it (a change and its audit row commit together). */
  transaction<T>(fn: (repo: SegmentRepository, trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new SegmentRepository(trx), trx));
  }

  /** Inserts a segment; undefined when the name is taken. */
  async insert(row: SegmentRow): Promise<SegmentRow | undefined> {
    try {
      return await this.db
        .insertInto('segments')
        .values({ ...row, filter: JSON.stringify(row.filter) })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw err;
    }
  }

  findById(id: string): Promise<SegmentRow | undefined> {
    return this.db.selectFrom('segments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Segments by name, keyset-paged. */
  list(opts: { after?: string; limit: number }): Promise<SegmentRow[]> {
    let q = this.db.selectFrom('segments').selectAll();
    if (opts.after) q = q.where('name', '>', opts.after);
    return q.orderBy('name').limit(opts.limit).execute();
  }

  /** Updates name and/or filter; null when the new name is taken, undefined when the segment is gone. */
  async update(id: string, set: { name?: string; filter?: SegmentFilter; updatedAt: Date }): Promise<SegmentRow | undefined | null> {
    try {
      return await this.db
        .updateTable('segments')
        .set({
          ...(set.name !== undefined ? { name: set.name } : {}),
          ...(set.filter !== undefined ? { filter: JSON.stringify(set.filter) } : {}),
          updated_at: set.updatedAt,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return null;
      throw err;
    }
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('segments').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  private members(filter: SegmentFilter, now: Date) {
    return sourceDb(this.db)
      .selectFrom('customers')
      .where((eb) => segmentCondition(this.db, eb, filter, now));
  }

  /**
   * The member ids as one query, for `insert into … select` materialisation (e.g. campaign
   * recipients) without moving ids through the application.
   */
  membersQuery(filter: SegmentFilter, now: Date) {
    return this.members(filter, now).select('customers.id as customer_id');
  }

  async count(filter: SegmentFilter, now: Date): Promise<number> {
    const r = await this.members(filter, now)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The first `limit` members, most recently seen first. */
  async sample(filter: SegmentFilter, now: Date, limit: number): Promise<SegmentSampleRow[]> {
    const rows = await this.members(filter, now)
      .select(['customers.id', 'customers.name', 'customers.locale', 'customers.last_seen_at'])
      .orderBy('customers.last_seen_at', (o) => o.desc().nullsLast())
      .orderBy('customers.id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, locale: r.locale, lastSeenAt: r.last_seen_at }));
  }

  /** One page of member ids in id order after `after` (keyset, so pages stay cheap however deep). */
  async idsAfter(filter: SegmentFilter, now: Date, after: string | undefined, limit: number): Promise<string[]> {
    let q = this.members(filter, now).select('customers.id');
    if (after) q = q.where('customers.id', '>', after);
    const rows = await q.orderBy('customers.id').limit(limit).execute();
    return rows.map((r) => r.id);
  }
}
