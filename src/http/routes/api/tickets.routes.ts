import { Router } from 'express';
import { z } from 'zod';
import type { TicketService } from '../../../crm/tickets/ticket.service.js';
import { TICKET_CATEGORIES, TICKET_PRIORITIES, TICKET_STATUSES, type TicketListFilter } from '../../../crm/tickets/ticket.types.js';
import type { ApiRegistry } from '../../openapi/registry.js';
import { boolParam, limitParam, textParam } from '../../openapi/query.js';

const STAFF = ['agent'] as const;
const TAG = 'tickets';

/** `open,pending` or a single value → a list of allowed values. */
const listOf = <T extends string>(values: readonly [T, ...T[]], what: string) =>
  z
    .string()
    .max(200)
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values, { message: `must be ${what}: ${values.join(', ')}` })).min(1));

const listQuery = z.object({
  status: listOf(TICKET_STATUSES, 'one or more (comma-separated) of').optional(),
  priority: listOf(TICKET_PRIORITIES, 'one or more (comma-separated) of').optional(),
  assignee: textParam(100).optional(),
  unassigned: boolParam.optional(),
  customerId: z.uuid({ message: 'must be a customer id (uuid)' }).optional(),
  breached: boolParam.optional(),
  cursor: z.string().regex(/^\d{1,18}$/, 'must be a cursor from a previous page').optional(),
  limit: limitParam(200, 50),
});
const numberParams = z.object({ number: z.string().trim().min(1).max(40) });
const patchBody = z
  .strictObject({
    status: z.enum(TICKET_STATUSES).optional(),
    priority: z.enum(TICKET_PRIORITIES).optional(),
    assignee: z.string().trim().min(1).max(100).nullable().optional(),
    category: z.enum(TICKET_CATEGORIES).optional(),
  })
  .refine((p) => Object.keys(p).length > 0, 'needs at least one of status, priority, assignee, category');
const noteBody = z.strictObject({ text: z.string().trim().min(1, 'must not be empty').max(10_000) });

/** Support tickets for agents: filtered list (keyset pages), details with notes and audit trail, PATCH and notes. */
export function ticketsRoutes(reg: ApiRegistry, deps: { tickets: TicketService }): Router {
  const { tickets } = deps;
  const router = Router();

  reg.route(router, { method: 'get', path: '/tickets', tag: TAG, access: STAFF, query: listQuery, summary: 'List tickets (newest first)', response: { description: '`{items, nextCursor}`' } }, async ({ query }) => {
    const filter: TicketListFilter = { limit: query.limit };
    if (query.status) filter.status = query.status;
    if (query.priority) filter.priority = query.priority;
    if (query.unassigned) filter.assignee = null;
    else if (query.assignee) filter.assignee = query.assignee;
    if (query.customerId) filter.customerId = query.customerId;
    if (query.breached !== undefined) filter.breached = query.breached;
    if (query.cursor) filter.cursor = query.cursor;
    return tickets.list(filter);
  });

  reg.route(router, { method: 'get', path: '/tickets/:number', tag: TAG, access: STAFF, params: numberParams, summary: 'A ticket with its notes and events', response: { description: '`{ticket, notes, events}`' } }, async ({ params }) =>
    tickets.get(params.number),
  );

  reg.route(router, { method: 'patch', path: '/tickets/:number', tag: TAG, access: STAFF, params: numberParams, body: patchBody, summary: 'Change status, priority, assignee or category', response: { description: 'The ticket' } }, async ({ params, body, staff }) =>
    tickets.update(params.number, body, staff.name),
  );

  reg.route(router, { method: 'post', path: '/tickets/:number/notes', tag: TAG, access: STAFF, params: numberParams, body: noteBody, summary: 'Add an internal note', response: { status: 201, description: 'The note' } }, async ({ params, body, staff }) =>
    tickets.addNote(params.number, staff.name, body.text),
  );
  return router;
}
