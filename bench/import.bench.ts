import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { newId } from '../src/core/ids.js';
import { parseCatalogRow } from '../src/crm/catalog/catalog-row.js';
import { CatalogService } from '../src/crm/catalog/catalog.service.js';
import { ImportService } from '../src/crm/import/import.service.js';
import { readImportFile } from '../src/crm/import/read-rows.js';
import { migrate, openStore, type Store } from '../src/storage/database.js';
import { ensureCustomerOrderSchema } from '../test/integration/import/customer-order-shim.js';
import { sharedCatalogRows } from '../test/unit/catalog/catalog-fixtures.js';
import { percentile, row, type BenchReport, type BenchRow } from './harness.js';

const CUSTOMERS = Number(process.env.BENCH_IMPORT_CUSTOMERS ?? 100_000);
const SEARCHES = 400;

/**
 * `patron import customers` of 100k generated rows (read CSV, validate, upsert in batches)
 * beside a plain multi-row INSERT of the same rows without validation, both on PGlite in temp
 * dirs; then catalog search (in-memory index) beside a naive `ILIKE '%q%'` query.
 */
export default async function importBench(): Promise<BenchReport> {
  const root = mkdtempSync(join(tmpdir(), 'patron-bench-import-'));
  const rows: BenchRow[] = [];
  const extra: Record<string, unknown> = { customers: CUSTOMERS };
  try {
    const csv = join(root, 'customers.csv');
    writeFileSync(csv, customersCsv(CUSTOMERS));
    const ours = await freshStore(join(root, 'ours'));
    const base = await freshStore(join(root, 'base'));
    try {
      let t = performance.now();
      const summary = await new ImportService(ours.db).run('customers', await readImportFile(csv));
      const oursMs = performance.now() - t;
      if (summary.inserted !== CUSTOMERS) throw new Error(`import inserted ${summary.inserted} of ${CUSTOMERS}`);
      t = performance.now();
      await rawInsert(base.db as unknown as Kysely<any>, CUSTOMERS);
      const baseMs = performance.now() - t;
      rows.push(row(`import ${CUSTOMERS} customers (s)`, oursMs / 1000, baseMs / 1000, 's', { lowerIsBetter: true, note: 'ours: CSV parse + zod + upsert; baseline: plain INSERT, no validation' }));
      t = performance.now();
      const again = await new ImportService(ours.db).run('customers', await readImportFile(csv));
      extra.reimportSeconds = (performance.now() - t) / 1000;
      extra.reimportUnchanged = again.unchanged;
      rows.push(row('throughput (rows/s)', CUSTOMERS / (oursMs / 1000), CUSTOMERS / (baseMs / 1000), 'rows/s'));
      rows.push(...(await searchRows(ours, extra)));
    } finally {
      await ours.close();
      await base.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { name: 'import + catalog search', rows, extra };
}

async function freshStore(dir: string): Promise<Store> {
  const store = await openStore({ dataDir: dir });
  await migrate(store.db);
  await ensureCustomerOrderSchema(store.db);
  return store;
}

function customersCsv(n: number): string {
  const lines = ['id,email,name,phone,locale,timezone,tags'];
  for (let i = 0; i < n; i++) lines.push(`shop-${i},user${i}@example.com,Customer ${i},+1415555${String(i).padStart(6, '0')},${i % 3 ? 'en' : 'zh-CN'},Europe/Berlin,${i % 5 ? 'news' : 'vip|news'}`);
  return lines.join('\n') + '\n';
}

async function rawInsert(db: Kysely<any>, n: number): Promise<void> {
  for (let start = 0; start < n; start += 5000) {
    await db.transaction().execute(async (trx) => {
      for (let i = start; i < Math.min(start + 5000, n); i += 500) {
        const values = [];
        for (let j = i; j < Math.min(i + 500, n); j++) {
          values.push({ id: newId(), shop_customer_id: `shop-${j}`, email: `user${j}@example.com`, name: `Customer ${j}`, phone: `+1415555${String(j).padStart(6, '0')}`, locale: j % 3 ? 'en' : 'zh-CN', timezone: 'Europe/Berlin', tags: j % 5 ? ['news'] : ['news', 'vip'] });
        }
        await trx.insertInto('customers').values(values).execute();
      }
    });
  }
}

async function searchRows(store: Store, extra: Record<string, unknown>): Promise<BenchRow[]> {
  const shared = sharedCatalogRows() ?? [];
  const catalog = CatalogService.forDb(store.db);
  const adjectives = ['Classic', 'Ultra', 'Compact', 'Deluxe', 'Eco', 'Smart', 'Vintage', 'Pro', 'Mini', 'Rugged'];
  const nouns = ['Lantern', 'Backpack', 'Blender', 'Jacket', 'Speaker', 'Notebook', 'Kettle', 'Helmet', 'Sandal', 'Thermos', 'Tripod', 'Router'];
  const generated = Array.from({ length: 1800 }, (_, i) => ({
    sku: `GEN-${i}`, name: `${adjectives[i % 10]} ${nouns[i % 12]} ${['Alpha', 'Nova', 'Terra', 'Zephyr', 'Orion'][i % 5]} ${i}`, price: 10 + (i % 90), brand: `Brand${i % 40}`, category: nouns[i % 12].toLowerCase(),
  }));
  const all = [...shared, ...generated].filter((r) => parseCatalogRow(r).ok);
  await catalog.upsertMany(all);
  const t0 = performance.now();
  await catalog.refresh();
  extra.indexBuildMs = performance.now() - t0;
  extra.products = all.length;
  const names = (shared.length ? shared : generated).map((r) => String((r as { name: string }).name));
  const queries = Array.from({ length: SEARCHES }, (_, i) => typo(names[(i * 7) % names.length], i));
  const ours: number[] = [];
  const base: number[] = [];
  let oursTop = 0;
  let baseTop = 0;
  for (let i = 0; i < queries.length; i++) {
    const expected = names[(i * 7) % names.length];
    let t = performance.now();
    const hits = await catalog.search(queries[i], { limit: 10 });
    ours.push(performance.now() - t);
    if (hits[0]?.product.name === expected) oursTop++;
    t = performance.now();
    const found = await sql<{ name: string }>`select name from products where name ilike ${`%${queries[i]}%`} or name_zh ilike ${`%${queries[i]}%`} limit 10`.execute(store.db);
    base.push(performance.now() - t);
    if (found.rows[0]?.name === expected) baseTop++;
  }
  extra.top1 = { ours: oursTop / queries.length, ilike: baseTop / queries.length };
  return [
    row('search p50 (ms)', percentile(ours, 50), percentile(base, 50), 'ms', { lowerIsBetter: true, note: `${all.length} products, titles with one typo` }),
    row('search p99 (ms)', percentile(ours, 99), percentile(base, 99), 'ms', { lowerIsBetter: true }),
    row('search top-1 accuracy', oursTop / queries.length, baseTop / queries.length, 'share', { note: 'ILIKE finds nothing once a word has a typo' }),
  ];
}

/** One dropped letter in the longest word (every other query), so both exact and typo queries run. */
function typo(name: string, i: number): string {
  if (i % 2) return name;
  const words = name.split(' ');
  const k = words.reduce((b, w, j) => (w.length > words[b].length ? j : b), 0);
  if (words[k].length > 4) words[k] = words[k].slice(0, 2) + words[k].slice(3);
  return words.join(' ');
}
