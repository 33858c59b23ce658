import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../../storage/database.js';
import { AppError } from '../../../core/errors.js';
import type { ConsentService } from '../../../crm/consent/consent.service.js';
import { profileUpdateSchema, type CustomerService } from '../../../crm/customers/customer.service.js';
import type { LoyaltyService } from '../../../crm/loyalty/loyalty.service.js';
import type { CustomerDirectoryRepository } from '../../../crm/reports/customer-directory.repository.js';
import type { StaffService } from '../../../crm/staff/staff.service.js';
import type { ApiRegistry } from '../../openapi/registry.js';
import { boolParam, limitParam, offsetParam, textParam, uuidParams } from '../../openapi/query.js';

export interface CustomersRouteDeps {
  customers: CustomerService;
  consent: ConsentService;
  loyalty: LoyaltyService;
  directory: CustomerDirectoryRepository;
  staff: Pick<StaffService, 'audit'>;
}

const READ = ['agent', 'marketer'] as const;
const ADMIN = ['admin'] as const;
const TAG = 'customers';

const listQuery = z.object({
  q: textParam(200).optional().describe('substring of name, e-mail or phone'),
  shopId: textParam(100).optional(),
  tier: textParam(50).optional().describe('loyalty tier id, or "none" for non-members'),
  tag: textParam(50).optional(),
  includeErased: boolParam.optional(),
  limit: limitParam(200, 50),
  offset: offsetParam,
});
const ledgerQuery = z.object({
  cursor: z.string().regex(/^[1-9]\d{0,5}$/, 'must be a cursor from a previous page').optional(),
  limit: limitParam(100, 20),
});
const consentBody = z.strictObject({
  channel: z.string().trim().min(1).max(40),
  purpose: z.enum(['marketing', 'transactional']),
  granted: z.boolean(),
  source: z.literal('admin', { message: 'must be "admin" (consent recorded by staff)' }).default('admin'),
  evidence: z.string().trim().min(1, 'is required: say how the customer gave or withdrew consent').max(500),
});
const pointsBody = z.strictObject({
  delta: z.number().int('must be a whole number').min(-1_000_000).max(1_000_000).refine((n) => n !== 0, 'must not be 0'),
  reason: z.string().trim().min(1, 'is required').max(200),
});
// CustomerRepository.update builds `set ()` from nothing, which is a SQL error: refuse an empty patch here.
const patchBody = profileUpdateSchema.refine((p) => Object.values(p).some((v) => v !== undefined), 'needs at least one field to change');
const IDEMPOTENCY = /^[\w.:-]{1,100}$/;

/** Customers: the list with filters, a profile with identities/tier/points, consent, ledger, export, erase and point adjustments. */
export function customersRoutes(reg: ApiRegistry, deps: CustomersRouteDeps): Router {
  const { customers, loyalty, consent, staff } = deps;
  const router = Router();
  const existing = async (id: string) => {
    const found = await customers.get(id);
    if (!found) throw new AppError('not_found', `customer ${id} not found`);
    return found;
  };

  reg.route(router, { method: 'get', path: '/customers', tag: TAG, access: READ, summary: 'Search customers', query: listQuery, response: { description: '`{items, total, limit, offset}`; each item has tier and points' } }, async ({ query }) =>
    deps.directory.search(query),
  );

  reg.route(router, { method: 'get', path: '/customers/:id', tag: TAG, access: READ, params: uuidParams, summary: 'One customer with identities, tier and points balance', response: { description: 'The profile' } }, async ({ params, staff: who }) => {
    const profile = await existing(params.id);
    const [member, balance] = await Promise.all([loyalty.member(params.id), loyalty.balance(params.id)]);
    await staff.audit(who, 'customer.view', { type: 'customer', id: params.id, customerId: params.id });
    return {
      ...profile,
      tier: member?.tier ?? null,
      loyalty: member ? { status: member.status, tier: member.tier, joinedAt: member.joined_at, tierSince: member.tier_since } : null,
      points: balance,
    };
  });

  reg.route(router, { method: 'patch', path: '/customers/:id', tag: TAG, access: ADMIN, params: uuidParams, body: patchBody, summary: 'Update a profile (null clears a field)', response: { description: 'The updated profile' } }, async ({ params, body, staff: who }) => {
    // Audited in the update's transaction.
    return customers.updateProfile(params.id, body, (trx) => staff.audit(who, 'customer.update', { type: 'customer', id: params.id, customerId: params.id }, { fields: Object.keys(body) }, trx));
  });

  reg.route(router, { method: 'get', path: '/customers/:id/ledger', tag: TAG, access: READ, params: uuidParams, query: ledgerQuery, summary: 'Points ledger, newest first', response: { description: '`{items, nextCursor, balance}`' } }, async ({ params, query }) => {
    await existing(params.id);
    const page = await loyalty.history(params.id, query.cursor ? Number(query.cursor) : 1, query.limit);
    return { items: page.entries, nextCursor: page.hasMore ? String(page.page + 1) : null, balance: await loyalty.balance(params.id) };
  });

  reg.route(router, { method: 'get', path: '/customers/:id/consent', tag: TAG, access: READ, params: uuidParams, summary: 'Consent in force per channel and purpose, with the full history', response: { description: '`{items, history}`' } }, async ({ params }) => {
    await existing(params.id);
    return { items: await consent.snapshot(params.id), history: await consent.history(params.id) };
  });

  reg.route(router, { method: 'post', path: '/customers/:id/consent', tag: TAG, access: ADMIN, params: uuidParams, body: consentBody, summary: 'Record a consent grant or withdrawal made through staff', response: { status: 201, description: 'Consent in force afterwards' } }, async ({ params, body, staff: who }) => {
    const profile = await existing(params.id);
    if (profile.erasedAt && body.granted) throw new AppError('conflict', `customer ${params.id} was erased; consent cannot be granted`);
    const evidence = `${body.evidence} (by ${who.name})`;
    // Audited in the consent record's transaction.
    const audit = (trx: Db) => staff.audit(who, body.granted ? 'consent.grant' : 'consent.withdraw', { type: 'customer', id: params.id, customerId: params.id }, { channel: body.channel, purpose: body.purpose }, trx);
    if (body.granted) await consent.grant(params.id, body.channel, body.purpose, body.source, evidence, audit);
    else await consent.withdraw(params.id, body.channel, body.purpose, body.source, evidence, audit);
    return { items: await consent.snapshot(params.id) };
  });

  reg.route(router, { method: 'get', path: '/customers/:id/export', tag: TAG, access: ADMIN, params: uuidParams, summary: 'Everything held about a customer (data-subject export)', response: { description: 'The export document' } }, async ({ params, res, staff: who }) => {
    await existing(params.id);
    // Recorded before the data is read: an export that dies half-way was still an access to the data.
    await staff.audit(who, 'customer.export', { type: 'customer', id: params.id, customerId: params.id });
    const data = await customers.export(params.id);
    res.setHeader('content-disposition', `attachment; filename="customer-${params.id}.json"`);
    return data;
  });

  reg.route(router, { method: 'delete', path: '/customers/:id', tag: TAG, access: ADMIN, params: uuidParams, summary: 'Erase personal data (the row and ledgers stay)', response: { description: '`{customerId, erasedAt}`' } }, async ({ params, staff: who }) => {
    // Audited in the erase's transaction.
    return customers.erase(params.id, (trx) => staff.audit(who, 'customer.erase', { type: 'customer', id: params.id, customerId: params.id }, undefined, trx));
  });

  reg.route(
    router,
    {
      method: 'post', path: '/customers/:id/points', tag: TAG, access: ADMIN, params: uuidParams, body: pointsBody,
      summary: 'Adjust a member\'s points with a reason (never below zero)',
      description: 'Repeat the request with the same `Idempotency-Key` to retry safely; without one, each request is a new adjustment.',
      headers: [{ name: 'Idempotency-Key', description: 'Up to 100 characters of A-Z, a-z, 0-9, `_ . : -`' }],
      response: { status: 201, description: '`{entryId, applied, total, balance}`; 200 with `applied: false` for a repeated key' },
    },
    async ({ params, body, req, res, staff: who }) => {
      const header = req.get('idempotency-key');
      if (header !== undefined && !IDEMPOTENCY.test(header)) throw new AppError('validation_failed', 'Idempotency-Key: must be 1-100 characters of A-Z, a-z, 0-9, _ . : -');
      // Audited in the adjustment's transaction, once: a repeated Idempotency-Key applies (and audits) nothing.
      const result = await loyalty.adjust(params.id, body.delta, body.reason, who.id, header ?? randomUUID(),
        (trx) => staff.audit(who, 'loyalty.adjust', { type: 'customer', id: params.id, customerId: params.id }, { delta: body.delta, reason: body.reason }, trx));
      res.locals.status = result.applied ? 201 : 200;
      return { ...result, balance: await loyalty.balance(params.id) };
    },
  );
  return router;
}
