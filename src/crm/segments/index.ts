import type { Clock } from '../../core/clock.js';
import type { Db } from '../../storage/database.js';
import { SegmentRepository } from './segment.repository.js';
import { SegmentService } from './segment.service.js';

export { SegmentService } from './segment.service.js';
export { SegmentRepository } from './segment.repository.js';
export { parseSegmentFilter, segmentFilterSchema, type SegmentFilter, type SegmentFilterInput } from './segment.filter.js';
export type * from './segment.types.js';

export interface SegmentModule {
  segments: SegmentService;
}

/** Builds the segment module over the shared database handle. */
export function buildSegmentModule(deps: { db: Db; clock: Clock }): SegmentModule {
  return { segments: new SegmentService(new SegmentRepository(deps.db), deps.clock) };
}
