import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Db } from '../../storage/database.js';
import { parseSegmentFilter, type SegmentFilter } from './segment.filter.js';
import type { SegmentRepository } from './segment.repository.js';
import { toSegment, type Segment, type SegmentIdPage, type SegmentPreview } from './segment.types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const nameSchema = z.string().trim().min(1).max(120);

function parseName(name: unknown): string {
  const r = nameSchema.safeParse(name);
  if (!r.success) throw new AppError('validation_failed', `segment: name ${r.error.issues[0].message}`);
  return r.data;
}

function clampLimit(limit: number | undefined, fallback: number, max: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) throw new AppError('validation_failed', `limit must be a positive integer, got ${limit}`);
  return Math.min(limit, max);
}

/**
 * Segments: named filters over customers, evaluated entirely in SQL. The member list pages by
 * customer id (keyset), which is what campaign materialisation streams through.
 */
export class SegmentService {
  constructor(
    private readonly repo: SegmentRepository,
    private readonly clock: Clock,
  ) {}

  /** `audit` runs in the insert's transaction and gets the new id (the segment and its audit row commit together). */
  async create(input: { name: string; filter?: unknown; createdBy?: string }, audit?: (trx: Db, id: string) => Promise<void>): Promise<Segment> {
    const name = parseName(input.name);
    const filter = parseSegmentFilter(input.filter ?? {});
    const now = this.clock.now();
    return this.repo.transaction(async (repo, trx) => {
      const row = await repo.insert({ id: newId(), name, filter, created_by: input.createdBy ?? null, created_at: now, updated_at: now });
      if (!row) throw new AppError('conflict', `a segment named "${name}" already exists`);
      await audit?.(trx, row.id);
      return toSegment(row);
    });
  }

  async get(id: string): Promise<Segment> {
    const row = UUID.test(id) ? await this.repo.findById(id) : undefined;
    if (!row) throw new AppError('not_found', `segment ${id} not found`);
    return toSegment(row);
  }

  async list(opts: { after?: string; limit?: number } = {}): Promise<{ items: Segment[]; next: string | null }> {
    const limit = clampLimit(opts.limit, 50, 200);
    const rows = await this.repo.list({ after: opts.after, limit: limit + 1 });
    const items = rows.slice(0, limit).map(toSegment);
    return { items, next: rows.length > limit ? items[items.length - 1].name : null };
  }

  /** PATCH: name and/or filter. `audit` runs in the update's transaction. */
  async update(id: string, patch: { name?: string; filter?: unknown }, audit?: (trx: Db) => Promise<void>): Promise<Segment> {
    await this.get(id);
    const name = patch.name !== undefined ? parseName(patch.name) : undefined;
    const filter = patch.filter !== undefined ? parseSegmentFilter(patch.filter) : undefined;
    return this.repo.transaction(async (repo, trx) => {
      const row = await repo.update(id, { name, filter, updatedAt: this.clock.now() });
      if (row === null) throw new AppError('conflict', `a segment named "${name}" already exists`);
      if (!row) throw new AppError('not_found', `segment ${id} not found`);
      await audit?.(trx);
      return toSegment(row);
    });
  }

  /** `audit` runs in the delete's transaction. */
  async remove(id: string, audit?: (trx: Db) => Promise<void>): Promise<void> {
    if (!UUID.test(id)) throw new AppError('not_found', `segment ${id} not found`);
    await this.repo.transaction(async (repo, trx) => {
      if (!(await repo.delete(id))) throw new AppError('not_found', `segment ${id} not found`);
      await audit?.(trx);
    });
  }

  /** How many customers a saved segment holds now, and the most recently seen few. */
  async preview(segmentId: string, sampleSize = 10): Promise<SegmentPreview> {
    return this.evaluate((await this.get(segmentId)).filter, sampleSize);
  }

  /** Count and sample for an unsaved filter (the admin UI's live preview). */
  async evaluate(filterInput: unknown, sampleSize = 10): Promise<SegmentPreview> {
    const filter = parseSegmentFilter(filterInput);
    const now = this.clock.now();
    const size = clampLimit(sampleSize, 10, 100);
    const count = await this.repo.count(filter, now);
    const sample = count === 0 ? [] : await this.repo.sample(filter, now, size);
    return { count, sample };
  }

  async count(filterInput: unknown): Promise<number> {
    return this.repo.count(parseSegmentFilter(filterInput), this.clock.now());
  }

  /** One page of member ids of a saved segment or a filter, ascending; `next` continues it. */
  async idsPage(source: { segmentId: string } | { filter: unknown }, opts: { after?: string; limit?: number; at?: Date } = {}): Promise<SegmentIdPage> {
    const filter = 'segmentId' in source ? (await this.get(source.segmentId)).filter : parseSegmentFilter(source.filter);
    if (opts.after !== undefined && !UUID.test(opts.after)) throw new AppError('validation_failed', `after must be a customer id, got ${opts.after}`);
    const limit = clampLimit(opts.limit, 1000, 10_000);
    const ids = await this.repo.idsAfter(filter, opts.at ?? this.clock.now(), opts.after, limit);
    return { ids, next: ids.length === limit ? ids[ids.length - 1] : null };
  }

  /** The member ids as a Kysely subquery (`customer_id`), to materialise a segment in one statement. */
  async membersQuery(source: { segmentId: string } | { filter: unknown }, at: Date = this.clock.now()) {
    const filter = 'segmentId' in source ? (await this.get(source.segmentId)).filter : parseSegmentFilter(source.filter);
    return this.repo.membersQuery(filter, at);
  }

  /**
   * Streams every member id page by page. The filter and the time anchor are fixed at the start,
   * so relative-day keys do not drift while a large segment is read.
   */
  async *streamIds(source: { segmentId: string } | { filter: unknown }, pageSize = 1000): AsyncGenerator<string[]> {
    const filter: SegmentFilter = 'segmentId' in source ? (await this.get(source.segmentId)).filter : parseSegmentFilter(source.filter);
    const at = this.clock.now();
    let after: string | undefined;
    for (;;) {
      const page = await this.idsPage({ filter }, { after, limit: pageSize, at });
      if (page.ids.length > 0) yield page.ids;
      if (!page.next) return;
      after = page.next;
    }
  }
}
