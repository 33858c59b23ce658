import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/core/ids.js';
import { seedCustomer, startAdminKit, type AdminKit } from './admin-kit.js';

let kit: AdminKit;
let marketer: string;

beforeAll(async () => {
  kit = await startAdminKit();
  marketer = await kit.tokenFor('marketer', 'Max');
});
afterAll(async () => {
  await kit?.stop();
});

/** The audit rows about one subject, oldest first. */
const auditOf = (subjectId: string) =>
  kit.app.store.db.selectFrom('audit_log').select(['action', 'actor_name', 'subject_type', 'subject_id', 'customer_id', 'detail']).where('subject_id', '=', subjectId).orderBy('id').execute();

// Each staff change is audited by the service, in the change's transaction: exactly one row, with
// the action, subject and detail the routes wrote before.
describe('staff changes through the admin API are audited once', () => {
  it('segment create, update and delete', async () => {
    const created = await kit.call('POST', '/api/segments', { token: marketer, body: { name: `vips-${newId().slice(0, 6)}`, filter: { tags: ['vip'] } } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(await auditOf(id)).toEqual([{ action: 'segment.create', actor_name: 'Max', subject_type: 'segment', subject_id: id, customer_id: null, detail: null }]);
    expect((await kit.call('PATCH', `/api/segments/${id}`, { token: marketer, body: { filter: { locale: 'de' } } })).status).toBe(200);
    expect((await kit.call('DELETE', `/api/segments/${id}`, { token: marketer })).status).toBe(204);
    expect((await auditOf(id)).map((r) => r.action)).toEqual(['segment.create', 'segment.update', 'segment.delete']);
    // A refused change (the segment is gone) writes no audit row.
    expect((await kit.call('DELETE', `/api/segments/${id}`, { token: marketer })).status).toBe(404);
    expect(await auditOf(id)).toHaveLength(3);
  });

  it('customer update', async () => {
    const id = await seedCustomer(kit.app, { name: 'Ada Lovelace', tags: ['vip'] });
    const res = await kit.call('PATCH', `/api/customers/${id}`, { body: { name: 'Ada King', removeTags: ['vip'] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Ada King', tags: [] });
    const rows = (await auditOf(id)).filter((r) => r.action !== 'customer.view');
    expect(rows).toEqual([{ action: 'customer.update', actor_name: 'admin', subject_type: 'customer', subject_id: id, customer_id: id, detail: { fields: ['name', 'removeTags'] } }]);
  });

  it('product create, then update (201, then 200)', async () => {
    const sku = `T-HTTP-${newId().slice(0, 6)}`;
    const created = await kit.call('PUT', `/api/products/${encodeURIComponent(sku)}`, { body: { name: 'Desk Lamp', price: 30 } });
    expect(created.status).toBe(201);
    expect((await auditOf(sku)).map((r) => [r.action, r.subject_type, r.detail])).toEqual([['product.create', 'product', null]]);
    const updated = await kit.call('PUT', `/api/products/${encodeURIComponent(sku)}`, { body: { name: 'Desk Lamp', price: 35 } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ sku, price: 35 });
    expect((await auditOf(sku)).map((r) => r.action)).toEqual(['product.create', 'product.update']);
  });

  it('staff create', async () => {
    const res = await kit.call('POST', '/api/users', { body: { name: 'Ola', role: 'agent' } });
    expect(res.status).toBe(201);
    expect(await auditOf(res.body.id)).toEqual([{ action: 'staff.create', actor_name: 'admin', subject_type: 'staff', subject_id: res.body.id, customer_id: null, detail: { name: 'Ola', role: 'agent' } }]);
  });

  it('conversation note', async () => {
    const agent = await kit.tokenFor('agent', 'Kai');
    const customerId = await seedCustomer(kit.app, { name: 'Bo' });
    const conversation = await kit.app.repos.conversations.ensure('webchat', `web-${newId()}`, customerId);
    const res = await kit.call('POST', `/api/conversations/${conversation.id}/notes`, { token: agent, body: { text: 'asked for a refund' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ text: 'asked for a refund', author_name: 'Kai' });
    expect(await auditOf(conversation.id)).toEqual([{ action: 'conversation.note', actor_name: 'Kai', subject_type: 'conversation', subject_id: conversation.id, customer_id: customerId, detail: null }]);
  });
});
