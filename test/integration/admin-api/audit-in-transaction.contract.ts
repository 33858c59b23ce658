import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/clock.js';
import { Translator } from '../../../src/core/i18n.js';
import { newId } from '../../../src/core/ids.js';
import { CatalogService } from '../../../src/crm/catalog/catalog.service.js';
import { ConversationRepository } from '../../../src/crm/conversations/conversation.repository.js';
import { CustomerRepository } from '../../../src/crm/customers/customer.repository.js';
import { CustomerService } from '../../../src/crm/customers/customer.service.js';
import { HandoffQueueService } from '../../../src/crm/handoff/handoff-queue.service.js';
import { IntentAdminService } from '../../../src/crm/reports/intent-admin.service.js';
import { buildSegmentModule, type SegmentService } from '../../../src/crm/segments/index.js';
import { StaffService } from '../../../src/crm/staff/staff.service.js';
import { MemoryCoordination } from '../../../src/storage/coordination.memory.js';
import { migrate, type Store } from '../../../src/storage/database.js';

const down = async (): Promise<void> => {
  throw new Error('audit log down');
};
const MIA = { id: newId(), name: 'Mia', role: 'agent' as const };

/**
 * Staff changes write their audit row through a callback the service runs in the change's own
 * transaction: an audit that cannot be written must leave the change undone, and the caller must
 * see the error. Service level, on PGlite and PostgreSQL.
 */
export function describeAuditInTransactionContract(name: string, open: () => Promise<Store | null>): void {
  describe(`staff changes commit with their audit row: ${name}`, () => {
    let store: Store | null = null;
    let segments: SegmentService;
    let customers: CustomerService;
    let catalog: CatalogService;
    let staff: StaffService;
    let handoff: HandoffQueueService;
    const coordination = new MemoryCoordination();

    beforeAll(async () => {
      store = await open();
      if (!store) return;
      await migrate(store.db);
      const clock = new ManualClock('2026-05-01T12:00:00Z');
      segments = buildSegmentModule({ db: store.db, clock }).segments;
      customers = new CustomerService({ db: store.db, clock });
      catalog = CatalogService.forDb(store.db);
      staff = new StaffService(store.db, clock);
      handoff = new HandoffQueueService({ db: store.db, translator: Translator.fromConfig(join(process.cwd(), 'config')), coordination, wake: () => {}, invalidate: () => {}, clock });
    });
    afterAll(async () => {
      await coordination.close();
      await store?.close();
    });
    const db = () => store!.db;

    it('segment create: a failing audit creates nothing; a working one sees the new segment by its id', async (t) => {
      if (!store) return t.skip();
      const segmentName = `audit-create-${newId().slice(0, 8)}`;
      await expect(segments.create({ name: segmentName, filter: { tags: ['vip'] } }, down)).rejects.toThrow(/audit log down/);
      expect(await db().selectFrom('segments').select('id').where('name', '=', segmentName).execute()).toEqual([]);

      const seen: string[] = [];
      const created = await segments.create({ name: segmentName }, async (trx, id) => {
        expect(await trx.selectFrom('segments').select('name').where('id', '=', id).executeTakeFirst()).toEqual({ name: segmentName });
        seen.push(id);
      });
      expect(seen).toEqual([created.id]);
    });

    it('segment update and delete: a failing audit leaves the segment as it was', async (t) => {
      if (!store) return t.skip();
      const created = await segments.create({ name: `audit-update-${newId().slice(0, 8)}`, filter: { tags: ['vip'] } });
      await expect(segments.update(created.id, { name: `${created.name}-renamed`, filter: { locale: 'de' } }, down)).rejects.toThrow(/audit log down/);
      expect(await segments.get(created.id)).toEqual(created);

      await expect(segments.remove(created.id, down)).rejects.toThrow(/audit log down/);
      expect(await segments.get(created.id)).toEqual(created);

      let audited = 0;
      await segments.remove(created.id, async (trx) => {
        expect(await trx.selectFrom('segments').select('id').where('id', '=', created.id).execute()).toEqual([]);
        audited++;
      });
      expect(audited).toBe(1);
      await expect(segments.get(created.id)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('customer update: a failing audit leaves every field and tag unchanged', async (t) => {
      if (!store) return t.skip();
      const id = await new CustomerRepository(db()).createWithIdentity({ channel: 'webchat', externalId: `web-${newId()}`, displayName: 'Ada', at: new Date() });
      await customers.updateProfile(id, { email: 'ada@example.com', addTags: ['vip'] });
      const before = await customers.get(id);
      await expect(customers.updateProfile(id, { name: 'Ada L.', email: null, phone: '+44 20 7946 0000', addTags: ['new'], removeTags: ['vip'] }, down)).rejects.toThrow(/audit log down/);
      expect(await customers.get(id)).toEqual(before);

      let audited = 0;
      const updated = await customers.updateProfile(id, { name: 'Ada L.' }, async (trx) => {
        expect(await trx.selectFrom('customers').select('name').where('id', '=', id).executeTakeFirst()).toEqual({ name: 'Ada L.' });
        audited++;
      });
      expect(audited).toBe(1);
      expect(updated).toMatchObject({ name: 'Ada L.', email: 'ada@example.com', tags: ['vip'] });
    });

    it('product upsert: a failing audit stores nothing (in the table or the search index); the audit learns whether it created the row', async (t) => {
      if (!store) return t.skip();
      const sku = `T-AUDIT-${newId().slice(0, 8)}`;
      const row = { sku, name: 'Zyxwvut Audit Lamp', price: 30, currency: 'EUR', stock: 4 };
      await catalog.refresh();
      await expect(catalog.upsert(row, down)).rejects.toThrow(/audit log down/);
      expect(await catalog.get(sku)).toBeUndefined();
      expect(await db().selectFrom('products').select('sku').where('sku', '=', sku).execute()).toEqual([]);
      expect(await catalog.findProduct('zyxwvut audit lamp')).toEqual([]);

      const created: boolean[] = [];
      const stored = await catalog.upsert(row, async (trx, isNew) => {
        expect(await trx.selectFrom('products').select('price').where('sku', '=', sku).executeTakeFirst()).toEqual({ price: 30 });
        created.push(isNew);
      });
      await expect(catalog.upsert({ ...row, price: 99, stock: 0 }, down)).rejects.toThrow(/audit log down/);
      expect(await catalog.get(sku)).toEqual(stored);
      expect((await db().selectFrom('products').select(['price', 'stock']).where('sku', '=', sku).executeTakeFirstOrThrow())).toEqual({ price: 30, stock: 4 });

      await catalog.upsert({ ...row, price: 35 }, async (_trx, isNew) => void created.push(isNew));
      // An unchanged row is still a staff write and still audited (as an update).
      await catalog.upsert({ ...row, price: 35 }, async (_trx, isNew) => void created.push(isNew));
      expect(created).toEqual([true, false, false]);
      expect((await catalog.get(sku))!.price).toBe(35);
    });

    it('staff create: a failing audit creates no account; a working one gets the new id', async (t) => {
      if (!store) return t.skip();
      const staffName = `audit-staff-${newId().slice(0, 8)}`;
      await expect(staff.create({ name: staffName, role: 'agent', email: `${staffName}@example.com`, password: 'correct horse battery' }, down)).rejects.toThrow(/audit log down/);
      expect(await db().selectFrom('staff_users').select('id').where('name', '=', staffName).execute()).toEqual([]);
      // The e-mail was not taken by the rolled-back attempt.
      const seen: string[] = [];
      const created = await staff.create({ name: staffName, role: 'agent', email: `${staffName}@example.com` }, async (trx, id) => {
        expect(await trx.selectFrom('staff_users').select('name').where('id', '=', id).executeTakeFirst()).toEqual({ name: staffName });
        seen.push(id);
      });
      expect(seen).toEqual([created.id]);
      expect(await staff.authenticate(created.token)).toMatchObject({ id: created.id, name: staffName });
    });

    it('conversation note: a failing audit adds no note; a working one gets the thread\'s customer', async (t) => {
      if (!store) return t.skip();
      const external = `web-${newId()}`;
      const customerId = await new CustomerRepository(db()).createWithIdentity({ channel: 'webchat', externalId: external, at: new Date() });
      const conversation = await new ConversationRepository(db()).ensure('webchat', external, customerId);
      await expect(handoff.addNote(conversation.id, MIA, 'called back, no answer', down)).rejects.toThrow(/audit log down/);
      expect(await handoff.repo.notes(conversation.id)).toEqual([]);

      const seen: string[] = [];
      const note = await handoff.addNote(conversation.id, MIA, 'called back, no answer', async (trx, forCustomer) => {
        expect(await trx.selectFrom('conversation_notes').select('text').where('conversation_id', '=', conversation.id).execute()).toEqual([{ text: 'called back, no answer' }]);
        seen.push(forCustomer);
      });
      expect(seen).toEqual([customerId]);
      expect((await handoff.repo.notes(conversation.id)).map((n) => n.id)).toEqual([note.id]);
    });

    it('training phrases: a failing audit adds no phrase; a working one gets the phrases added', async (t) => {
      if (!store) return t.skip();
      const intents = new IntentAdminService({ db: db() });
      const phrase = `audit phrase ${newId().slice(0, 8)}`;
      await expect(intents.addPhrases('product_question', 'en', [phrase], MIA.id, down)).rejects.toThrow(/audit log down/);
      expect(await db().selectFrom('training_phrases').select('text').where('text', '=', phrase).execute()).toEqual([]);

      const seen: string[][] = [];
      const result = await intents.addPhrases('product_question', 'en', [phrase], MIA.id, async (trx, added) => {
        expect(await trx.selectFrom('training_phrases').select('text').where('text', '=', phrase).execute()).toEqual([{ text: phrase }]);
        seen.push(added);
      });
      expect(seen).toEqual([[phrase]]);
      expect(result.added).toEqual([phrase]);
    });
  });
}
