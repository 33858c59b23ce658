import { sql } from 'kysely';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCustomer, startAdminKit, type AdminKit } from './admin-kit.js';

let kit: AdminKit;
let agent: string;
let marketer: string;
let ana: string;
const numbers: string[] = [];

beforeAll(async () => {
  kit = await startAdminKit();
  agent = await kit.tokenFor('agent', 'Agent Ann');
  marketer = await kit.tokenFor('marketer');
  ana = await seedCustomer(kit.app, { name: 'Ana', email: 'ana@example.com', tags: ['vip'] });
  const bea = await seedCustomer(kit.app, { name: 'Bea', email: 'bea@example.com' });
  for (const [customerId, subject, priority] of [[ana, 'Parcel late', 'high'], [bea, 'Wrong size', 'normal'], [ana, 'Refund please', 'low']] as const) {
    numbers.push((await kit.app.crm.tickets.create({ customerId, channel: 'webchat', category: 'delivery', subject, priority })).number);
  }
});
afterAll(async () => {
  await kit?.stop();
});

describe('tickets in the admin API', () => {
  it('lists tickets with filters and keyset pages', async () => {
    const all = await kit.call('GET', '/api/tickets', { token: agent });
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(3);
    const mine = await kit.call('GET', `/api/tickets?customerId=${ana}&priority=high,low`, { token: agent });
    expect(mine.body.items.map((t: any) => t.subject).sort()).toEqual(['Parcel late', 'Refund please']);
    const page1 = await kit.call('GET', '/api/tickets?limit=2', { token: agent });
    expect(page1.body.items).toHaveLength(2);
    const page2 = await kit.call('GET', `/api/tickets?limit=2&cursor=${page1.body.nextCursor}`, { token: agent });
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('names the bad filter in a 400 and shrugs off SQL in filters', async () => {
    const bad = await kit.call('GET', '/api/tickets?status=lost', { token: agent });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^status/);
    const probe = await kit.call('GET', `/api/tickets?assignee=${encodeURIComponent("' OR 1=1 --")}`, { token: agent });
    expect(probe.status).toBe(200);
    expect(probe.body.items).toEqual([]);
  });

  it('patches a ticket and adds a note, both visible in the details', async () => {
    const patched = await kit.call('PATCH', `/api/tickets/${numbers[0]}`, { token: agent, body: { status: 'pending', assignee: 'Agent Ann' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: 'pending', assignee: 'Agent Ann' });
    const note = await kit.call('POST', `/api/tickets/${numbers[0]}/notes`, { token: agent, body: { text: 'Called the courier' } });
    expect(note.status).toBe(201);
    const details = await kit.call('GET', `/api/tickets/${numbers[0]}`, { token: agent });
    expect(details.body.notes.map((n: any) => n.text)).toEqual(['Called the courier']);
    expect(details.body.events.map((e: any) => e.type)).toEqual(expect.arrayContaining(['status_changed', 'assigned', 'note_added']));
    const filtered = await kit.call('GET', '/api/tickets?status=pending&assignee=Agent%20Ann', { token: agent });
    expect(filtered.body.items.map((t: any) => t.number)).toEqual([numbers[0]]);
  });

  it('validates patches (field named) and refuses marketers', async () => {
    const bad = await kit.call('PATCH', `/api/tickets/${numbers[1]}`, { token: agent, body: { priority: 'whenever' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^priority/);
    expect((await kit.call('PATCH', `/api/tickets/${numbers[1]}`, { token: agent, body: {} })).status).toBe(400);
    expect((await kit.call('GET', '/api/tickets', { token: marketer })).status).toBe(403);
    expect((await kit.call('GET', '/api/tickets/999999', { token: agent })).status).toBe(404);
  });
});

describe('segments in the admin API', () => {
  let id: string;
  it('creates a segment from {name, filter} and previews it as {count, sample}', async () => {
    const created = await kit.call('POST', '/api/segments', { token: marketer, body: { name: 'VIPs', filter: { tags: ['vip'] } } });
    expect(created.status).toBe(201);
    id = created.body.id;
    const preview = await kit.call('POST', `/api/segments/${id}/preview`, { token: marketer, body: {} });
    expect(preview.status).toBe(200);
    expect(preview.body.count).toBe(1);
    expect(preview.body.sample.map((s: any) => s.id)).toEqual([ana]);
    const everyone = await kit.call('POST', '/api/segments/preview', { token: marketer, body: { filter: {} } });
    expect(everyone.body.count).toBe(2);
  });

  it('reads, lists, updates and deletes segments', async () => {
    await kit.call('POST', '/api/segments', { token: marketer, body: { name: 'Everyone', filter: {} } });
    expect((await kit.call('GET', `/api/segments/${id}`, { token: marketer })).body.name).toBe('VIPs');
    const page = await kit.call('GET', '/api/segments?limit=1', { token: marketer });
    expect(page.body.items).toHaveLength(1);
    const rest = await kit.call('GET', `/api/segments?limit=1&cursor=${encodeURIComponent(page.body.nextCursor)}`, { token: marketer });
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.items[0].id).not.toBe(page.body.items[0].id);
    const renamed = await kit.call('PATCH', `/api/segments/${id}`, { token: marketer, body: { name: 'Very important' } });
    expect(renamed.body.name).toBe('Very important');
    expect((await kit.call('DELETE', `/api/segments/${id}`, { token: marketer })).status).toBe(204);
    expect((await kit.call('GET', `/api/segments/${id}`, { token: marketer })).status).toBe(404);
  });

  it('rejects an unknown filter key naming it, and refuses agents', async () => {
    const bad = await kit.call('POST', '/api/segments', { token: marketer, body: { name: 'Typo', filter: { tierz: 'gold' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/filter/);
    const badName = await kit.call('POST', '/api/segments', { token: marketer, body: { filter: {} } });
    expect(badName.body.error.message).toMatch(/^name/);
    expect((await kit.call('GET', '/api/segments', { token: agent })).status).toBe(403);
  });
});

describe('products and rewards in the admin API', () => {
  const row = { name: 'Trail Runner', description: 'Light shoe', category: 'Shoes', brand: 'Patron', price: 89.5, currency: 'usd', stock: 4, tags: ['running'], attributes: { warranty: '1 year' } };

  it('creates with PUT (201), replaces (200), reads and lists with filters', async () => {
    const created = await kit.call('PUT', '/api/products/TR-1', { body: row });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sku: 'TR-1', currency: 'USD', price: 89.5 });
    const replaced = await kit.call('PUT', '/api/products/TR-1', { body: { ...row, price: 79 } });
    expect(replaced.status).toBe(200);
    expect((await kit.call('GET', '/api/products/TR-1')).body.price).toBe(79);
    await kit.call('PUT', '/api/products/MUG-1', { body: { name: 'Mug', price: 9, category: 'Kitchen' } });
    const shoes = await kit.call('GET', '/api/products?category=shoes');
    expect(shoes.body).toMatchObject({ total: 1, items: [expect.objectContaining({ sku: 'TR-1' })] });
    const q = await kit.call('GET', `/api/products?q=${encodeURIComponent("' OR 1=1 --")}`);
    expect(q.status).toBe(200);
    expect(q.body.total).toBe(0);
    expect((await kit.call('GET', '/api/products?limit=1&offset=1')).body.items).toHaveLength(1);
  });

  it('names the bad field of a product and refuses a contradicting sku', async () => {
    const bad = await kit.call('PUT', '/api/products/TR-2', { body: { ...row, price: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^price/);
    expect((await kit.call('PUT', '/api/products/TR-2', { body: { ...row, sku: 'OTHER' } })).status).toBe(400);
    expect((await kit.call('GET', '/api/products/NOPE')).status).toBe(404);
    expect((await kit.call('PUT', '/api/products/TR-2', { token: agent, body: row })).status).toBe(403);
  });

  it('lists rewards from config, read-only', async () => {
    const res = await kit.call('GET', '/api/rewards');
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThan(0);
    expect(res.body.items[0]).toMatchObject({ id: expect.any(String), cost_points: expect.any(Number) });
    expect((await kit.call('PUT', '/api/rewards/x', { body: {} })).status).toBe(404);
  });
});

describe('the FAQ in the admin API', () => {
  it('reads the FAQ with an ETag and writes a valid edit atomically', async () => {
    const got = await kit.call('GET', '/api/faq');
    expect(got.status).toBe(200);
    expect(got.body.exists).toBe(true);
    const faq = got.body.faq;
    const first = Object.keys(faq.entries)[0];
    faq.entries[first].answer.en = 'Updated answer from the admin API.';
    const put = await kit.call('PUT', '/api/faq', { body: faq, headers: { 'if-match': got.headers.get('etag')! } });
    expect(put.status).toBe(200);
    expect(JSON.parse(readFileSync(kit.faqPath, 'utf8')).entries[first].answer.en).toBe('Updated answer from the admin API.');
    const stale = await kit.call('PUT', '/api/faq', { body: faq, headers: { 'if-match': got.headers.get('etag')! } });
    expect(stale.status).toBe(409);
  });

  it('audits a replaced FAQ with the write: no audit row for a refused write, no write without an audit row', async () => {
    const audits = async () => (await kit.app.staff.auditTrail({ limit: 500 })).filter((a) => a.action === 'faq.replace').length;
    const got = await kit.call('GET', '/api/faq');
    const faq = got.body.faq;
    const first = Object.keys(faq.entries)[0];
    const before = await audits();
    faq.entries[first].answer.en = 'Written while the audit log is broken.';
    expect((await kit.call('PUT', '/api/faq', { body: faq, headers: { 'if-match': '"0000"' } })).status).toBe(409);
    expect(await audits()).toBe(before);
    await sql`alter table audit_log rename to audit_log_away`.execute(kit.app.store.db);
    try {
      expect((await kit.call('PUT', '/api/faq', { body: faq })).status).toBe(500);
    } finally {
      await sql`alter table audit_log_away rename to audit_log`.execute(kit.app.store.db);
    }
    expect(readFileSync(kit.faqPath, 'utf8')).not.toMatch(/audit log is broken/);
    expect((await kit.call('PUT', '/api/faq', { body: faq })).status).toBe(200);
    expect(await audits()).toBe(before + 1);
  });

  it('puts the old FAQ back when the audit row is refused at commit, after the file was replaced', async () => {
    const audits = async () => (await kit.app.staff.auditTrail({ limit: 500 })).filter((a) => a.action === 'faq.replace').length;
    const got = await kit.call('GET', '/api/faq');
    const before = readFileSync(kit.faqPath, 'utf8');
    const faq = got.body.faq;
    const first = Object.keys(faq.entries)[0];
    faq.entries[first].answer.en = 'Written by a change whose audit never committed.';
    const rowsBefore = await audits();
    // A deferred constraint trigger fails the transaction at COMMIT, i.e. after the route replaced the file.
    const db = kit.app.store.db;
    await sql`create function audit_refused_at_commit() returns trigger language plpgsql as $$ begin raise exception 'audit refused at commit'; end $$`.execute(db);
    await sql`create constraint trigger refuse_at_commit after insert on audit_log deferrable initially deferred for each row execute function audit_refused_at_commit()`.execute(db);
    try {
      const put = await kit.call('PUT', '/api/faq', { body: faq, headers: { 'if-match': got.headers.get('etag')! } });
      expect(put.status).toBe(500);
    } finally {
      await sql`drop trigger refuse_at_commit on audit_log`.execute(db);
      await sql`drop function audit_refused_at_commit()`.execute(db);
    }
    expect(readFileSync(kit.faqPath, 'utf8')).toBe(before);
    expect(await audits()).toBe(rowsBefore);
    // The ETag read before still names the file, so the edit goes through once the audit log takes it.
    expect((await kit.call('PUT', '/api/faq', { body: faq, headers: { 'if-match': got.headers.get('etag')! } })).status).toBe(200);
    expect(await audits()).toBe(rowsBefore + 1);
  });

  it('refuses an FAQ that the bot would refuse at start, naming the field', async () => {
    const faq = (await kit.call('GET', '/api/faq')).body.faq;
    const first = Object.keys(faq.entries)[0];
    faq.entries[first].answer.en = 'See {noSuchSetting}';
    const bad = await kit.call('PUT', '/api/faq', { body: faq });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^entries/);
    expect(readFileSync(kit.faqPath, 'utf8')).not.toMatch(/noSuchSetting/);
    expect((await kit.call('GET', '/api/faq', { token: marketer })).status).toBe(403);
  });
});

describe('the OpenAPI document', () => {
  it('is public and lists every registered route with its method, roles and schemas', async () => {
    const res = await kit.call('GET', '/api/openapi.json', { token: null });
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.title).toBeTruthy();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const route of kit.api.registry.list()) {
      const path = `/api${route.path.replace(/:(\w+)/g, '{$1}')}`;
      const op = doc.paths[path]?.[route.method];
      expect(op, `${route.method} ${path}`).toBeDefined();
      expect(op.summary).toBeTruthy();
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      for (const name of path.match(/\{(\w+)\}/g) ?? []) {
        expect(op.parameters.some((p: any) => p.in === 'path' && `{${p.name}}` === name), `${path} ${name}`).toBe(true);
      }
    }
    for (const must of ['/api/customers', '/api/customers/{id}/points', '/api/tickets/{number}', '/api/segments/{id}/preview', '/api/products/{sku}', '/api/rewards', '/api/faq', '/api/intents/retrain', '/api/reports/overview', '/api/users', '/api/auth/login']) {
      expect(doc.paths[must], must).toBeDefined();
    }
    expect(doc.paths['/api/auth/login'].post.security).toEqual([]);
    expect(doc.paths['/api/segments'].post.requestBody.content['application/json'].schema.properties.filter).toBeDefined();
    expect(doc.paths['/api/customers'].get.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['q', 'shopId', 'tier', 'tag', 'limit', 'offset']));
    expect(doc.paths['/api/customers/{id}'].delete['x-roles']).toEqual(['admin']);
  });

  it('does not get in the way of the staff sign-in route', async () => {
    const res = await kit.call('POST', '/api/auth/login', { token: null, body: { email: 'nobody@example.com', password: 'wrong' } });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/e-mail or password/);
  });
});

describe('mounted as main.ts should mount it (before the staff routes, with other teams\' routers)', () => {
  it('serves the document without a token, keeps sign-in public and puts extra routers behind bearer auth', async () => {
    const { Router } = await import('express');
    const { createServer } = await import('node:http');
    const { createHttpApp } = await import('../../../src/http/app.js');
    const { staffRoutes } = await import('../../../src/http/routes/api/staff.routes.js');
    const { buildAdminApi } = await import('../../../src/http/routes/api/index.js');
    const { silentLogger } = await import('../../../src/core/logger.js');
    const { Metrics } = await import('../../../src/core/metrics.js');
    const extra = Router();
    extra.get('/queue', (req, res) => {
      res.json({ who: req.staff?.name });
    });
    const api = buildAdminApi({ db: kit.app.store.db, crm: kit.app.crm, staff: kit.app.staff, faqPath: kit.faqPath, extraRouters: [extra] });
    const http = createHttpApp({ log: silentLogger, metrics: new Metrics(false), readiness: [], routers: [api.router, staffRoutes(kit.app.staff)] });
    const server = createServer(http);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect((await fetch(`${base}/api/openapi.json`)).status).toBe(200);
      const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'x@example.com', password: 'nope' }) });
      expect((await login.json()).error.message).toMatch(/e-mail or password/);
      expect((await fetch(`${base}/api/queue`)).status).toBe(401);
      const queue = await fetch(`${base}/api/queue`, { headers: { authorization: `Bearer ${agent}` } });
      expect(await queue.json()).toEqual({ who: 'Agent Ann' });
      expect((await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${agent}` } })).status).toBe(200);
      expect((await fetch(`${base}/api/customers`)).status).toBe(401);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
