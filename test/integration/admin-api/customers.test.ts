import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCustomer, startAdminKit, type AdminKit } from './admin-kit.js';

let kit: AdminKit;
let ada: string;
let bo: string;
let cy: string;
let agent: string;
let marketer: string;

beforeAll(async () => {
  kit = await startAdminKit();
  ada = await seedCustomer(kit.app, { name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0000', tags: ['vip'] });
  bo = await seedCustomer(kit.app, { name: 'Bo Jensen', email: 'bo@example.com', tags: ['wholesale'] });
  cy = await seedCustomer(kit.app, { name: 'Cy Twombly', email: 'cy@example.com' });
  await kit.app.crm.loyalty.enroll(ada, { termsAccepted: true });
  await kit.app.crm.loyalty.enroll(bo, { termsAccepted: true });
  expect(await kit.shop('customer.upserted', { id: 'shop-77', email: 'dee@example.com', name: 'Dee Shop' })).toBe(200);
  agent = await kit.tokenFor('agent');
  marketer = await kit.tokenFor('marketer');
});
afterAll(async () => {
  await kit?.stop();
});

describe('customers in the admin API', () => {
  it('lists customers newest first with total, tier and points, and pages with limit and offset', async () => {
    const all = await kit.call('GET', '/api/customers');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(4);
    const adaRow = all.body.items.find((c: any) => c.id === ada);
    const tier = (await kit.app.crm.loyalty.member(ada))!.tier;
    expect(adaRow).toMatchObject({ name: 'Ada Lovelace', tier, points: (await kit.app.crm.loyalty.balance(ada)).total });
    const first = await kit.call('GET', '/api/customers?limit=2&offset=0');
    const second = await kit.call('GET', '/api/customers?limit=2&offset=2');
    expect(first.body.items).toHaveLength(2);
    expect(second.body.items).toHaveLength(2);
    expect(new Set([...first.body.items, ...second.body.items].map((c: any) => c.id)).size).toBe(4);
  });

  it('filters by q, tag, tier and shopId, and combines them', async () => {
    const ids = async (qs: string) => (await kit.call('GET', `/api/customers?${qs}`)).body.items.map((c: any) => c.id).sort();
    expect(await ids('q=lovelace')).toEqual([ada]);
    expect(await ids('q=EXAMPLE.COM&tag=wholesale')).toEqual([bo]);
    const tier = (await kit.app.crm.loyalty.member(ada))!.tier;
    expect(await ids(`tier=${tier}`)).toEqual([ada, bo].sort());
    expect((await ids('tier=none')).length).toBe(2);
    expect((await ids('tier=none')).includes(cy)).toBe(true);
    const shop = await kit.call('GET', '/api/customers?shopId=shop-77');
    expect(shop.body.items.map((c: any) => c.name)).toEqual(['Dee Shop']);
  });

  it('treats SQL in filters as plain text: no extra rows and no server error', async () => {
    for (const probe of ["' OR 1=1 --", "%' OR '1'='1", "x'); drop table customers; --", '%', '_', '\\']) {
      for (const key of ['q', 'tag', 'tier', 'shopId']) {
        const res = await kit.call('GET', `/api/customers?${key}=${encodeURIComponent(probe)}`);
        expect(res.status, `${key}=${probe}`).toBe(200);
        expect(res.body.items, `${key}=${probe}`).toEqual([]);
      }
    }
    expect((await kit.call('GET', '/api/customers')).body.total).toBe(4);
  });

  it('answers one customer with identities, tier and points balance, and 404 for an unknown id', async () => {
    const res = await kit.call('GET', `/api/customers/${ada}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: ada, email: 'ada@example.com', identities: [expect.objectContaining({ channel: 'webchat' })], tier: expect.any(String) });
    expect(res.body.points).toMatchObject({ total: expect.any(Number), available: expect.any(Number) });
    expect((await kit.call('GET', '/api/customers/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const bad = await kit.call('GET', '/api/customers/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^id:/);
  });

  it('updates a profile and names the bad field in a 400', async () => {
    const ok = await kit.call('PATCH', `/api/customers/${cy}`, { body: { name: 'Cy T.', addTags: ['artist'] } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: 'Cy T.', tags: ['artist'] });
    const bad = await kit.call('PATCH', `/api/customers/${cy}`, { body: { email: 'not an email' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^email/);
    const unknown = await kit.call('PATCH', `/api/customers/${cy}`, { body: { shoeSize: 44 } });
    expect(unknown.status).toBe(400);
    expect((await kit.call('PATCH', `/api/customers/${cy}`, { body: {} })).status).toBe(400);
  });

  it('adjusts points with a reason into the ledger, once per Idempotency-Key', async () => {
    const before = (await kit.app.crm.loyalty.balance(ada)).total;
    const headers = { 'idempotency-key': 'goodwill-1' };
    const first = await kit.call('POST', `/api/customers/${ada}/points`, { body: { delta: 250, reason: 'goodwill for a late parcel' }, headers });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ applied: true, total: before + 250 });
    const again = await kit.call('POST', `/api/customers/${ada}/points`, { body: { delta: 250, reason: 'goodwill for a late parcel' }, headers });
    expect(again.status).toBe(200);
    expect(again.body.applied).toBe(false);
    const ledger = await kit.call('GET', `/api/customers/${ada}/ledger`);
    expect(ledger.status).toBe(200);
    const entries = ledger.body.items.filter((e: any) => e.reason === 'goodwill for a late parcel');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ delta: 250, kind: 'adjust' });
    expect(ledger.body.balance.total).toBe(before + 250);
  });

  it('refuses an adjustment that would make the balance negative, and one without a reason', async () => {
    const total = (await kit.app.crm.loyalty.balance(bo)).total;
    const res = await kit.call('POST', `/api/customers/${bo}/points`, { body: { delta: -(total + 1), reason: 'too much' } });
    expect(res.status).toBe(409);
    expect((await kit.app.crm.loyalty.balance(bo)).total).toBe(total);
    const noReason = await kit.call('POST', `/api/customers/${bo}/points`, { body: { delta: 5 } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toMatch(/^reason/);
    const zero = await kit.call('POST', `/api/customers/${bo}/points`, { body: { delta: 0, reason: 'x' } });
    expect(zero.body.error.message).toMatch(/^delta/);
  });

  it('pages the ledger with nextCursor', async () => {
    for (let i = 0; i < 3; i++) await kit.call('POST', `/api/customers/${bo}/points`, { body: { delta: 1, reason: `bump ${i}` } });
    const page1 = await kit.call('GET', `/api/customers/${bo}/ledger?limit=2`);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toBe('2');
    const page2 = await kit.call('GET', `/api/customers/${bo}/ledger?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items.length).toBeGreaterThan(0);
    expect(page2.body.items[0].id).not.toBe(page1.body.items[0].id);
  });

  it('records consent given through staff and shows it in force', async () => {
    const res = await kit.call('POST', `/api/customers/${cy}/consent`, { body: { channel: 'webchat', purpose: 'marketing', granted: true, evidence: 'asked by phone, ticket 12' } });
    expect(res.status).toBe(201);
    expect(res.body.items).toEqual([expect.objectContaining({ channel: 'webchat', purpose: 'marketing', granted: true })]);
    const read = await kit.call('GET', `/api/customers/${cy}/consent`, { token: agent });
    expect(read.body.history[0]).toMatchObject({ source: 'admin' });
    const bad = await kit.call('POST', `/api/customers/${cy}/consent`, { body: { channel: 'webchat', purpose: 'spam', granted: true, evidence: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^purpose/);
  });

  it('exports everything about a customer', async () => {
    const res = await kit.call('GET', `/api/customers/${ada}/export`);
    expect(res.status).toBe(200);
    expect(res.body.profile.email).toBe('ada@example.com');
    expect(res.body.related.points_ledger.length).toBeGreaterThan(0);
    expect((await kit.app.staff.auditTrail({ customerId: ada })).filter((e) => e.action === 'customer.export')).toHaveLength(1);
    // An id that is no customer: 404, and no access recorded.
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await kit.call('GET', `/api/customers/${missing}/export`)).status).toBe(404);
    expect(await kit.app.staff.auditTrail({ customerId: missing })).toEqual([]);
  });

  it('lets agents and marketers read customers but not change them; no token is 401', async () => {
    expect((await kit.call('GET', '/api/customers', { token: agent })).status).toBe(200);
    expect((await kit.call('GET', `/api/customers/${ada}`, { token: marketer })).status).toBe(200);
    expect((await kit.call('PATCH', `/api/customers/${ada}`, { token: agent, body: { name: 'x' } })).status).toBe(403);
    expect((await kit.call('POST', `/api/customers/${ada}/points`, { token: marketer, body: { delta: 1, reason: 'x' } })).status).toBe(403);
    expect((await kit.call('DELETE', `/api/customers/${ada}`, { token: agent })).status).toBe(403);
    expect((await kit.call('GET', `/api/customers/${ada}/export`, { token: marketer })).status).toBe(403);
    expect((await kit.call('GET', '/api/customers', { token: null })).status).toBe(401);
  });

  it('erases a customer: personal data gone, hidden from the list, ledger kept', async () => {
    const res = await kit.call('DELETE', `/api/customers/${bo}`);
    expect(res.status).toBe(200);
    const after = await kit.call('GET', `/api/customers/${bo}`);
    expect(after.body).toMatchObject({ name: null, email: null, phone: null, tags: [], identities: [] });
    expect(after.body.erasedAt).toBeTruthy();
    expect((await kit.call('GET', '/api/customers?q=bo@example.com')).body.items).toEqual([]);
    expect((await kit.call('GET', '/api/customers?includeErased=true')).body.total).toBe(4);
    expect((await kit.call('GET', `/api/customers/${bo}/ledger`)).body.items.length).toBeGreaterThan(0);
    const trail = await kit.app.staff.auditTrail({ customerId: bo });
    expect(trail.map((t) => t.action)).toContain('customer.erase');
  });
});
