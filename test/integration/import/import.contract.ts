import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../../src/cli/import.command.js';
import { CatalogService } from '../../../src/crm/catalog/catalog.service.js';
import { ImportService } from '../../../src/crm/import/import.service.js';
import { readImportFile } from '../../../src/crm/import/read-rows.js';
import { migrate, type Store } from '../../../src/storage/database.js';
import { ensureCustomerOrderSchema } from './customer-order-shim.js';

const PRODUCTS_JSON = `[
  {"sku": "I-1", "name": "Trail Mug", "price": 12.5, "tags": ["mug"], "attributes": {"warranty": "1 year"}},
  {"sku": "I-2", "name": "Camp Stove",
   "price": -3},
  {"sku": "I-3", "name": "Fire Starter", "price": "4.20", "nameZh": "打火棒"},
  {"name": "No Sku", "price": 1},
  {"sku": "I-1", "name": "Trail Mug", "price": 13, "tags": ["mug"], "attributes": {"warranty": "1 year"}}
]
`;

const PRODUCTS_CSV = `sku,name,name_zh,price,stock,tags,attr.color,attr.warranty,attributes
C-1,Wool Socks,羊毛袜,15,30,socks|wool,grey,6 months,
C-2,"Rain Poncho, packable",,22.5,10,rain,yellow,,"{""weight"": ""180 g""}"
C-3,Broken Row,,abc,1,,,,
C-4,Sun Hat,,18,-2,,,,
`;

const sink = () => {
  let text = '';
  const stream = new Writable({ write(chunk, _e, cb) { text += String(chunk); cb(); } });
  return { stream, text: () => text };
};

/** Import contract on PGlite and PostgreSQL: `open` returns an empty store or null to skip. */
export function describeImportContract(name: string, open: () => Promise<Store | null>): void {
  describe(`import: ${name}`, () => {
    let store: Store | null = null;
    const dir = mkdtempSync(join(tmpdir(), 'patron-import-'));
    const file = (n: string, body: string) => {
      const p = join(dir, n);
      writeFileSync(p, body);
      return p;
    };
    beforeAll(async () => {
      store = await open();
      if (store) {
        await migrate(store.db);
        await ensureCustomerOrderSchema(store.db);
      }
    });
    afterAll(async () => {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('imports good JSON rows and rejects bad ones with the line they start on', async (t) => {
      if (!store) return t.skip();
      const s = await new ImportService(store.db).run('products', await readImportFile(file('p.json', PRODUCTS_JSON)));
      expect(s).toMatchObject({ read: 5, inserted: 2, updated: 0, unchanged: 0, rejected: 2, duplicates: 1 });
      expect(s.rejectedRows.map((r) => [r.line, r.reason])).toEqual([
        [3, 'price must not be negative'],
        [6, 'sku is required'],
      ]);
      const mug = await CatalogService.forDb(store.db).require('I-1');
      expect(mug.price).toBe(13);
      expect((await CatalogService.forDb(store.db).require('I-3')).nameZh).toBe('打火棒');
    });

    it('imports CSV with a|b tags, attr.* columns and a JSON attributes cell', async (t) => {
      if (!store) return t.skip();
      const s = await new ImportService(store.db).run('products', await readImportFile(file('p.csv', PRODUCTS_CSV)));
      expect(s).toMatchObject({ read: 4, inserted: 2, rejected: 2 });
      expect(s.rejectedRows.map((r) => [r.line, r.reason])).toEqual([
        [4, 'price must be a number'],
        [5, 'stock must not be negative'],
      ]);
      const catalog = CatalogService.forDb(store.db);
      expect(await catalog.require('C-1')).toMatchObject({ nameZh: '羊毛袜', tags: ['socks', 'wool'], attributes: { color: 'grey', warranty: '6 months' } });
      expect((await catalog.require('C-2')).attributes).toEqual({ color: 'yellow', weight: '180 g' });
    });

    it('changes nothing when the same file is imported again', async (t) => {
      if (!store) return t.skip();
      const path = file('again.csv', PRODUCTS_CSV);
      const imports = new ImportService(store.db);
      await imports.run('products', await readImportFile(path));
      const before = await store.db.selectFrom('products').select(['sku', 'updated_at']).where('sku', 'like', 'C-%').orderBy('sku').execute();
      const s = await imports.run('products', await readImportFile(path));
      expect(s).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
      expect(await store.db.selectFrom('products').select(['sku', 'updated_at']).where('sku', 'like', 'C-%').orderBy('sku').execute()).toEqual(before);
    });

    it('upserts customers by shop id, keeps absent fields, and records consent only with evidence, once', async (t) => {
      if (!store) return t.skip();
      const rows = [
        { id: 'S-1', email: 'A@Example.com', name: 'Ana', tags: 'vip|news', marketingConsent: { channel: 'email', granted: true, evidence: 'form 2024-01-02' } },
        { id: 'S-2', phone: '+1 (415) 555-0100', marketingConsent: { channel: 'sms', granted: true } },
        { id: 'S-3', email: 'not-an-email' },
        { shopCustomerId: 'S-4', birthday: '2999-01-01' },
      ];
      const imports = new ImportService(store.db);
      const s = await imports.run('customers', await readImportFile(file('c.json', JSON.stringify({ items: rows }, null, 1))));
      expect(s).toMatchObject({ inserted: 2, rejected: 2 });
      expect(s.rejectedRows.map((r) => r.reason)).toEqual(['email must be an e-mail address', 'birthday must not be in the future']);
      const again = await imports.run('customers', await readImportFile(file('c2.json', JSON.stringify(rows))));
      expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
      await imports.run('customers', await readImportFile(file('c3.json', JSON.stringify([{ id: 'S-1', name: 'Ana Ruiz' }]))));
      const { rows: customers } = await sql<{ shop_customer_id: string; email: string | null; name: string; phone: string | null; tags: string[] }>`
        select shop_customer_id, email, name, phone, tags from customers where shop_customer_id in ('S-1','S-2') order by 1`.execute(store.db);
      expect(customers).toEqual([
        { shop_customer_id: 'S-1', email: 'a@example.com', name: 'Ana Ruiz', phone: null, tags: ['news', 'vip'] },
        { shop_customer_id: 'S-2', email: null, name: null, phone: '+14155550100', tags: [] },
      ]);
      const { rows: consents } = await sql<{ channel: string; source: string }>`
        select k.channel, k.source from consents k join customers c on c.id = k.customer_id where c.shop_customer_id in ('S-1','S-2')`.execute(store.db);
      expect(consents).toEqual([{ channel: 'email', source: 'import' }]);
    });

    it('imports orders, creates placeholder customers, and recomputes their totals', async (t) => {
      if (!store) return t.skip();
      const orders = [
        { id: 'O-1', customerId: 'S-1', status: 'paid', total: 30, currency: 'USD', items: [{ sku: 'I-1', quantity: 2, price: 15 }], createdAt: '2025-01-01T10:00:00Z' },
        { id: 'O-2', customerId: 'S-1', status: 'cancelled', total: 99, currency: 'USD', createdAt: '2025-02-01T10:00:00Z' },
        { id: 'O-3', customerId: 'S-NEW', status: 'delivered', total: 12.345, currency: 'usd', createdAt: '2025-03-01T10:00:00Z', trackingNumber: 'T1', carrier: 'UPS' },
        { id: 'O-4', customerId: 'S-1', status: 'lost', total: 1, createdAt: '2025-03-01T10:00:00Z' },
      ];
      const imports = new ImportService(store.db);
      const s = await imports.run('orders', await readImportFile(file('o.json', JSON.stringify(orders, null, 2))));
      expect(s).toMatchObject({ inserted: 3, rejected: 1 });
      expect(s.rejectedRows[0].reason).toMatch(/^status must be one of created, paid/);
      const totals = async () =>
        (await sql<{ shop_customer_id: string; lifetime_spend: number; order_count: number }>`
          select shop_customer_id, lifetime_spend, order_count from customers where shop_customer_id in ('S-1','S-NEW') order by 1`.execute(store!.db)).rows;
      expect(await totals()).toEqual([
        { shop_customer_id: 'S-1', lifetime_spend: 30, order_count: 1 },
        { shop_customer_id: 'S-NEW', lifetime_spend: 12.35, order_count: 1 },
      ]);
      expect(await imports.run('orders', await readImportFile(file('o2.json', JSON.stringify(orders))))).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
      const refunded = [{ ...orders[0], status: 'refunded', refundedAt: '2025-01-05T00:00:00Z' }];
      expect(await imports.run('orders', await readImportFile(file('o3.json', JSON.stringify(refunded))))).toMatchObject({ updated: 1 });
      expect((await totals())[0]).toMatchObject({ lifetime_spend: 0, order_count: 0 });
    });

    it('runs as `patron import` with a summary, a rejected-rows file and exit status 1', async (t) => {
      if (!store) return t.skip();
      const path = file('cli.json', PRODUCTS_JSON);
      const out = sink();
      const err = sink();
      expect(await runImport(['products', path], { stdout: out.stream, stderr: err.stream }, { store })).toBe(1);
      expect(out.text()).toMatch(/^products: read 5, inserted 0, updated 0, unchanged 2, rejected 2, duplicates 1 \(last row wins\) in \d+\.\d\d s\n/);
      const rejected = readFileSync(`${path}.rejected.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(rejected[0]).toMatchObject({ line: 3, reason: 'price must not be negative', row: { sku: 'I-2' } });
      expect(err.text()).toBe('');
      const good = file('good.json', JSON.stringify({ items: [{ sku: 'G-1', name: 'Good', price: 1 }] }));
      expect(await runImport(['products', good, '--json'], { stdout: out.stream, stderr: err.stream }, { store })).toBe(0);
      expect(existsSync(`${good}.rejected.jsonl`)).toBe(false);
      expect(await runImport(['widgets', good], { stdout: out.stream, stderr: err.stream }, { store })).toBe(2);
      expect(err.text()).toMatch(/first argument must be one of products, customers, orders/);
    });
  });
}
