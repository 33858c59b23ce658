import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError } from '../../../core/errors.js';
import { LOCALES, type Locale } from '../../../core/message.js';
import type { CannedResponses } from '../../../crm/handoff/canned-responses.js';
import type { HandoffQueueService } from '../../../crm/handoff/handoff-queue.service.js';
import type { StaffService } from '../../../crm/staff/staff.service.js';
import type { StaffPrincipal } from '../../../crm/staff/staff.types.js';
import { MAX_TEXT_LENGTH } from '../../../flows/pipeline.js';
import { requireRole } from '../../auth.js';
import { parseBody } from '../../validate.js';

export interface ConversationsRoutesDeps {
  handoff: HandoffQueueService;
  staff: StaffService;
  canned: CannedResponses;
}

const cursorSchema = z.object({ at: z.string().datetime({ offset: true }), id: z.string().uuid() });
const listQuery = z.object({
  owner: z.enum(['bot', 'queue', 'agent']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(300).optional(),
});
const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(200) });
const queueQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });
const cannedQuery = z.object({ locale: z.enum(LOCALES as [Locale, ...Locale[]]).default('en'), conversationId: z.string().uuid().optional() });
const textBody = z.object({
  text: z.string().trim().min(1, 'must not be empty').max(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`),
  clientMessageId: z.string().min(1).max(100).optional(),
});
const assignBody = z.object({ agentId: z.string().uuid('must be a staff user id') });

/**
 * The agent workspace API (mounted under `/api` behind bearer auth): conversation lists and
 * cards, the prioritised queue, claim / release / assign / hand-back / resolve, agent messages,
 * internal notes and canned responses. Every read of customer data is written to the audit log.
 */
export function conversationsRoutes(deps: ConversationsRoutesDeps): Router {
  const { handoff, staff, canned } = deps;
  const router = Router();
  const agent = requireRole('agent');
  const me = (req: Request): StaffPrincipal => req.staff!;
  const card = async (id: string) => {
    const summary = await handoff.repo.summary(id);
    if (!summary) throw new AppError('not_found', `conversation ${id} does not exist`);
    return summary;
  };

  router.get('/conversations', agent, async (req, res) => {
    const q = parseBody(listQuery, req.query, 'query');
    const page = await handoff.repo.list({ owner: q.owner, limit: q.limit, after: q.cursor ? decodeCursor(q.cursor) : undefined });
    await staff.audit(me(req), 'conversation.list', undefined, { owner: q.owner ?? null, count: page.items.length });
    res.json({ items: page.items, nextCursor: page.next ? Buffer.from(JSON.stringify(page.next)).toString('base64url') : null });
  });

  router.get('/conversations/:id', agent, async (req, res) => {
    const conversation = await card(uuidParam(req.params.id));
    const [customer, notes] = await Promise.all([handoff.repo.customerCard(conversation.customerId), handoff.repo.notes(conversation.id)]);
    await staff.audit(me(req), 'conversation.view', { type: 'conversation', id: conversation.id, customerId: conversation.customerId });
    res.json({ ...conversation, customer: customer ?? null, notes });
  });

  router.get('/conversations/:id/messages', agent, async (req, res) => {
    const conversation = await card(uuidParam(req.params.id));
    const { limit } = parseBody(limitQuery, req.query, 'query');
    const messages = await handoff.repo.transcript(conversation.customerId, limit);
    await staff.audit(me(req), 'conversation.transcript', { type: 'conversation', id: conversation.id, customerId: conversation.customerId }, { count: messages.length });
    res.json({ conversationId: conversation.id, customerId: conversation.customerId, messages });
  });

  const action = (name: 'claim' | 'release' | 'handback' | 'resolve') =>
    router.post(`/conversations/:id/${name}`, agent, async (req, res) => {
      const id = uuidParam(req.params.id);
      const run = { claim: handoff.claim, release: handoff.release, handback: handoff.handBack, resolve: handoff.resolve }[name];
      // Audited by the hand-off service, in the transaction of the change.
      await run.call(handoff, id, me(req));
      res.json(await card(id));
    });
  (['claim', 'release', 'handback', 'resolve'] as const).forEach(action);

  router.post('/conversations/:id/assign', requireRole('admin'), async (req, res) => {
    const id = uuidParam(req.params.id);
    const body = parseBody(assignBody, req.body);
    await handoff.assign(id, body.agentId, me(req));
    res.json(await card(id));
  });

  router.post('/conversations/:id/messages', agent, async (req, res) => {
    const id = uuidParam(req.params.id);
    const body = parseBody(textBody, req.body);
    const sent = await handoff.sendAsAgent(id, me(req), body.text, body.clientMessageId);
    res.status(sent.queued ? 202 : 200).json({ conversationId: id, queued: sent.queued, author: me(req).name, text: body.text });
  });

  router.post('/conversations/:id/notes', agent, async (req, res) => {
    const id = uuidParam(req.params.id);
    const body = parseBody(textBody, req.body);
    // Audited in the note's transaction.
    const note = await handoff.addNote(id, me(req), body.text, (trx, customerId) => staff.audit(me(req), 'conversation.note', { type: 'conversation', id, customerId }, undefined, trx));
    res.status(201).json(note);
  });

  router.get('/queue', agent, async (req, res) => {
    const { limit } = parseBody(queueQuery, req.query, 'query');
    const items = await handoff.queue(limit);
    await staff.audit(me(req), 'queue.view', undefined, { count: items.length });
    res.json({ items });
  });

  router.get('/canned-responses', agent, async (req, res) => {
    const q = parseBody(cannedQuery, req.query, 'query');
    const conversation = q.conversationId ? await card(q.conversationId) : undefined;
    const items = await canned.render(q.locale, { customerId: conversation?.customerId, agentName: me(req).name });
    if (conversation) await staff.audit(me(req), 'canned.render', { type: 'conversation', id: conversation.id, customerId: conversation.customerId });
    res.json({ locale: q.locale, items });
  });

  return router;
}

function uuidParam(id: string | string[] | undefined): string {
  const value = Array.isArray(id) ? id[0] : id;
  if (!value || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw new AppError('not_found', `conversation ${value ?? ''} does not exist`);
  return value;
}

function decodeCursor(cursor: string): { at: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new AppError('validation_failed', 'cursor: is not a cursor returned by this list');
  }
  return parseBody(cursorSchema, parsed, 'cursor');
}
