import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogRepository } from '../../../src/crm/catalog/catalog.repository.js';
import { CatalogService } from '../../../src/crm/catalog/catalog.service.js';
import { DEMO_LOADED_KEY, loadDemoData } from '../../../src/crm/catalog/demo-data.js';
import { SettingsRepository } from '../../../src/crm/settings/settings.repository.js';
import { migrate, type Store } from '../../../src/storage/database.js';
import { ensureCustomerOrderSchema } from '../import/customer-order-shim.js';

const mouse = {
  sku: 'T-MOUSE', name: 'Wireless Mouse', price: 25, stock: 5, brand: 'Kestrel', category: 'computer-accessories',
  tags: ['mouse', 'wireless'], attributes: { discountPercentage: 10, color: 'graphite' },
  translations: { 'zh-CN': { name: '无线鼠标', description: '静音无线鼠标' } },
};

/** The catalog contract on PGlite and PostgreSQL: `open` returns an empty store or null to skip. */
export function describeCatalogContract(name: string, open: () => Promise<Store | null>): void {
  describe(`catalog: ${name}`, () => {
    let store: Store | null = null;
    beforeAll(async () => {
      store = await open();
      if (store) await migrate(store.db);
    });
    afterAll(async () => {
      await store?.close();
    });

    it('stores a valid row with its translation and reads it back by sku', async (t) => {
      if (!store) return t.skip();
      const catalog = CatalogService.forDb(store.db);
      await catalog.upsert(mouse);
      const p = await catalog.require('T-MOUSE');
      expect(p).toMatchObject({ name: 'Wireless Mouse', nameZh: '无线鼠标', descriptionZh: '静音无线鼠标', price: 25, currency: 'USD', tags: ['mouse', 'wireless'] });
      expect(p.attributes).toEqual({ color: 'graphite', discountPercentage: 10 });
    });

    it('refuses an invalid row with a reason naming the field', async (t) => {
      if (!store) return t.skip();
      const catalog = CatalogService.forDb(store.db);
      await expect(catalog.upsert({ ...mouse, price: -1 })).rejects.toThrow(/sku T-MOUSE.*price must not be negative/);
      await expect(catalog.upsertProduct({ name: 'x', price: 1 })).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/sku/) });
      await expect(catalog.upsert({ ...mouse, currency: 'dollars' })).rejects.toThrow(/currency must be a 3-letter/);
      await expect(catalog.upsert({ ...mouse, attributes: { discountPercentage: 140 } })).rejects.toThrow(/discountPercentage must be between 0 and 100/);
    });

    it('leaves an unchanged row untouched and counts it as unchanged', async (t) => {
      if (!store) return t.skip();
      const repo = new CatalogRepository(store.db);
      const catalog = new CatalogService(repo);
      const rows = [{ ...mouse, sku: 'T-SAME-1' }, { ...mouse, sku: 'T-SAME-2' }];
      expect(await catalog.upsertMany(rows)).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
      const before = (await repo.findBySku('T-SAME-1'))!.updatedAt;
      expect(await catalog.upsertMany(rows)).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
      expect((await repo.findBySku('T-SAME-1'))!.updatedAt).toEqual(before);
      expect(await catalog.upsertMany([{ ...rows[0], stock: 9 }, rows[1]])).toEqual({ inserted: 0, updated: 1, unchanged: 1 });
    });

    it('lists products a page at a time with category, brand, tag and text filters', async (t) => {
      if (!store) return t.skip();
      const catalog = CatalogService.forDb(store.db);
      await catalog.upsertMany(
        Array.from({ length: 12 }, (_, i) => ({ sku: `T-LIST-${String(i).padStart(2, '0')}`, name: `List Lamp ${i}`, price: 10 + i, category: i % 2 ? 'home' : 'garden', brand: 'Lumen', tags: i < 3 ? ['sale'] : [] })),
      );
      const page = await catalog.list({ q: 'list lamp', limit: 5, offset: 5 });
      expect(page.total).toBe(12);
      expect(page.items).toHaveLength(5);
      expect((await catalog.list({ q: 'list lamp', category: 'Home' })).total).toBe(6);
      expect((await catalog.list({ q: 'list', tag: 'sale', brand: 'lumen' })).total).toBe(3);
      expect((await catalog.list({ q: '100%' })).total).toBe(0);
    });

    it('searches what was just upserted, in English and Chinese, without a rebuild', async (t) => {
      if (!store) return t.skip();
      const catalog = CatalogService.forDb(store.db);
      await catalog.upsert(mouse);
      expect((await catalog.findProduct('how much is the wireles mose', 'en'))[0].product.sku).toBe('T-MOUSE');
      await catalog.upsertProduct({ sku: 'T-KETTLE', name: 'Gooseneck Kettle', nameZh: '手冲壶', price: 45, brand: 'Brewmaster' });
      expect((await catalog.findProduct('手冲壶多少钱', 'zh-CN'))[0].product.sku).toBe('T-KETTLE');
      expect((await catalog.findProduct('brewmaster'))[0].matchedOn).toContain('brand');
      expect(await catalog.findProduct('what is the meaning of life')).toEqual([]);
    });

    it('sees rows written by another instance after syncChanges', async (t) => {
      if (!store) return t.skip();
      const a = CatalogService.forDb(store.db);
      const b = CatalogService.forDb(store.db);
      await b.search('anything');
      await a.upsert({ sku: 'T-TENT', name: 'Ultralight Tent', price: 300 });
      expect(await b.search('ultralight tent')).toEqual([]);
      await b.syncChanges();
      expect((await b.search('ultralight tent'))[0].product.sku).toBe('T-TENT');
    });

    it('loads the demo shop once and not again on the next start', async (t) => {
      if (!store) return t.skip();
      await ensureCustomerOrderSchema(store.db);
      const first = await loadDemoData(store.db);
      expect(first).toMatchObject({ loaded: true, skipped: [] });
      expect(first.products).toBeGreaterThanOrEqual(30);
      expect(first.customers).toBe(5);
      expect(first.orders).toBe(8);
      expect(await new SettingsRepository(store.db).get(DEMO_LOADED_KEY)).toBeTruthy();
      expect(await loadDemoData(store.db)).toMatchObject({ loaded: false, products: 0 });
      const again = await loadDemoData(store.db, { force: true });
      expect(again.loaded).toBe(true);
      const catalog = CatalogService.forDb(store.db);
      expect((await catalog.findProduct('无线鼠标多少钱', 'zh-CN'))[0].product.sku).toBe('PO-AUD-001');
    });
  });
}
