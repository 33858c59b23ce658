import type { ColumnType, Selectable } from 'kysely';
import type { SegmentFilter } from './segment.filter.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface SegmentsTable {
  id: string;
  name: string;
  filter: ColumnType<SegmentFilter, string, string>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

declare module '../../storage/schema.js' {
  interface Database {
    segments: SegmentsTable;
  }
}

export type SegmentRow = Selectable<SegmentsTable>;

export interface Segment {
  id: string;
  name: string;
  filter: SegmentFilter;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One customer in a preview sample (most recently seen first). */
export interface SegmentSampleRow {
  id: string;
  name: string | null;
  locale: string | null;
  lastSeenAt: Date | null;
}

export interface SegmentPreview {
  count: number;
  sample: SegmentSampleRow[];
}

/** One keyset page of customer ids (ascending); pass `next` as `after` for the following page. */
export interface SegmentIdPage {
  ids: string[];
  next: string | null;
}

export function toSegment(r: SegmentRow): Segment {
  return { id: r.id, name: r.name, filter: r.filter, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at };
}
