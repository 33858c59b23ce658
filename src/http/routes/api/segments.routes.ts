import { Router } from 'express';
import { z } from 'zod';
import { segmentFilterSchema, type SegmentService } from '../../../crm/segments/index.js';
import type { StaffService } from '../../../crm/staff/staff.service.js';
import type { Db } from '../../../storage/database.js';
import type { ApiRegistry } from '../../openapi/registry.js';
import { limitParam, uuidParams } from '../../openapi/query.js';

const MARKETING = ['marketer'] as const;
const TAG = 'segments';
const name = z.string().trim().min(1).max(120);
const createBody = z.strictObject({ name, filter: segmentFilterSchema.default({}) });
const patchBody = z.strictObject({ name: name.optional(), filter: segmentFilterSchema.optional() }).refine((p) => p.name !== undefined || p.filter !== undefined, 'needs name or filter');
const previewBody = z.strictObject({ sampleSize: z.number().int().min(1).max(100).optional() });
const evaluateBody = z.strictObject({ filter: segmentFilterSchema, sampleSize: z.number().int().min(1).max(100).optional() });
const listQuery = z.object({ cursor: z.string().max(200).optional().describe('nextCursor of the previous page'), limit: limitParam(200, 50) });

/** Segments (named customer filters, DESIGN §4): CRUD, and previews of saved or unsaved filters. */
export function segmentsRoutes(reg: ApiRegistry, deps: { segments: SegmentService; staff: Pick<StaffService, 'audit'> }): Router {
  const { segments, staff } = deps;
  const router = Router();
  // Passed to the service, which writes the row in the transaction of the change it records.
  const audit = (who: Parameters<typeof staff.audit>[0], action: string, id: string, trx: Db) => staff.audit(who, `segment.${action}`, { type: 'segment', id }, undefined, trx);

  reg.route(router, { method: 'get', path: '/segments', tag: TAG, access: MARKETING, query: listQuery, summary: 'List segments by name', response: { description: '`{items, nextCursor}`' } }, async ({ query }) => {
    const page = await segments.list({ after: query.cursor, limit: query.limit });
    return { items: page.items, nextCursor: page.next };
  });

  reg.route(
    router,
    {
      method: 'post', path: '/segments', tag: TAG, access: MARKETING, body: createBody, summary: 'Create a segment',
      description: '`filter` ANDs optional keys (`tier`, `tags`, `channel`, `locale`, `lastSeenWithinDays`, `minSpend`, `rfm`, …); `{}` is every customer.',
      response: { status: 201, description: 'The segment' },
    },
    async ({ body, staff: who }) => {
      return segments.create({ name: body.name, filter: body.filter, createdBy: who.id }, (trx, id) => audit(who, 'create', id, trx));
    },
  );

  reg.route(router, { method: 'post', path: '/segments/preview', tag: TAG, access: MARKETING, body: evaluateBody, summary: 'Count and sample for an unsaved filter', response: { description: '`{count, sample}`' } }, async ({ body }) =>
    segments.evaluate(body.filter, body.sampleSize),
  );

  reg.route(router, { method: 'get', path: '/segments/:id', tag: TAG, access: MARKETING, params: uuidParams, summary: 'One segment', response: { description: 'The segment' } }, async ({ params }) => segments.get(params.id));

  reg.route(router, { method: 'patch', path: '/segments/:id', tag: TAG, access: MARKETING, params: uuidParams, body: patchBody, summary: 'Rename a segment or change its filter', response: { description: 'The segment' } }, async ({ params, body, staff: who }) => {
    return segments.update(params.id, body, (trx) => audit(who, 'update', params.id, trx));
  });

  reg.route(router, { method: 'delete', path: '/segments/:id', tag: TAG, access: MARKETING, params: uuidParams, summary: 'Delete a segment', response: { status: 204, description: 'Deleted' } }, async ({ params, staff: who }) => {
    await segments.remove(params.id, (trx) => audit(who, 'delete', params.id, trx));
    return undefined;
  });

  reg.route(router, { method: 'post', path: '/segments/:id/preview', tag: TAG, access: MARKETING, params: uuidParams, body: previewBody, summary: 'How many customers the segment holds now, with a sample', response: { description: '`{count, sample}`' } }, async ({ params, body }) =>
    segments.preview(params.id, body.sampleSize),
  );
  return router;
}
