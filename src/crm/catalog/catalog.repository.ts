import { sql } from 'kysely';
import type { Db } from '../../storage/database.js';
import type { CatalogRow } from './catalog-row.js';
import { toProduct, type Product, type ProductListQuery, type ProductPage, type UpsertCounts } from './catalog.types.js';
import './catalog.types.js';

/** Rows per INSERT statement: ~14 parameters a row stays far below PostgreSQL's 65 535. */
export const UPSERT_BATCH = 500;

/** Product storage: batch upserts, lookups and filtered lists. Queries only; rules live in the service. */
export class CatalogRepository {
  constructor(private readonly db: Db) {}

  /** Runs `fn` in one transaction, with a repository bound to it (a change and its audit row commit together). */
  transaction<T>(fn: (repo: CatalogRepository, trx: Db) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new CatalogRepository(trx), trx));
  }

  /**
   * Inserts or updates `rows` (unique skus) with one multi-row statement per {@link UPSERT_BATCH}.
   * A row equal to the stored one is not rewritten (its `updated_at` stays), and counts as unchanged.
   */
  async upsertMany(rows: CatalogRow[]): Promise<UpsertCounts & { changed: string[] }> {
    const counts = { inserted: 0, updated: 0, unchanged: 0, changed: [] as string[] };
    for (let i = 0; i < rows.length; i += UPSERT_BATCH) {
      const batch = rows.slice(i, i + UPSERT_BATCH);
      const result = await this.upsertBatch(batch);
      for (const r of result) {
        if (r.inserted) counts.inserted++;
        else counts.updated++;
        counts.changed.push(r.sku);
      }
      counts.unchanged += batch.length - result.length;
    }
    return counts;
  }

  private upsertBatch(batch: CatalogRow[]) {
    return this.db
      .insertInto('products')
      .values(batch.map((r) => ({ ...r, attributes: JSON.stringify(r.attributes) })))
      .onConflict((oc) =>
        oc
          .column('sku')
          .doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            name_zh: eb.ref('excluded.name_zh'),
            description: eb.ref('excluded.description'),
            description_zh: eb.ref('excluded.description_zh'),
            category: eb.ref('excluded.category'),
            brand: eb.ref('excluded.brand'),
            price: eb.ref('excluded.price'),
            currency: eb.ref('excluded.currency'),
            stock: eb.ref('excluded.stock'),
            tags: eb.ref('excluded.tags'),
            attributes: eb.ref('excluded.attributes'),
            active: eb.ref('excluded.active'),
            updated_at: sql`now()`,
          }))
          // Equal rows are left alone: no dead tuple, no new updated_at, counted as unchanged.
          .where(
            sql<boolean>`(products.name, products.name_zh, products.description, products.description_zh, products.category, products.brand, products.price, products.currency, products.stock, products.tags, products.attributes, products.active)
              is distinct from (excluded.name, excluded.name_zh, excluded.description, excluded.description_zh, excluded.category, excluded.brand, excluded.price, excluded.currency, excluded.stock, excluded.tags, excluded.attributes, excluded.active)`,
          ),
      )
      .returning(['sku', sql<boolean>`(xmax = 0)`.as('inserted')])
      .execute();
  }

  async findBySku(sku: string): Promise<Product | undefined> {
    const row = await this.db.selectFrom('products').selectAll().where('sku', '=', sku).executeTakeFirst();
    return row && toProduct(row);
  }

  async findBySkus(skus: string[]): Promise<Product[]> {
    if (skus.length === 0) return [];
    const rows = await this.db.selectFrom('products').selectAll().where('sku', 'in', skus).execute();
    return rows.map(toProduct);
  }

  /** Every product (the search index is built from this; catalogs are a few thousand rows). */
  async all(): Promise<Product[]> {
    const rows = await this.db.selectFrom('products').selectAll().orderBy('sku').execute();
    return rows.map(toProduct);
  }

  /** Products changed after `since` (for refreshing another instance's index). */
  async changedSince(since: Date): Promise<Product[]> {
    const rows = await this.db.selectFrom('products').selectAll().where('updated_at', '>', since).execute();
    return rows.map(toProduct);
  }

  /** A filtered page, ordered by name then sku. */
  async list(query: ProductListQuery = {}): Promise<ProductPage> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const offset = Math.max(query.offset ?? 0, 0);
    let base = this.db.selectFrom('products');
    if (query.category) base = base.where(sql<boolean>`lower(category) = lower(${query.category})`);
    if (query.brand) base = base.where(sql<boolean>`lower(brand) = lower(${query.brand})`);
    if (query.tag) base = base.where(sql<boolean>`${query.tag.toLowerCase()} = any(tags)`);
    if (query.active !== undefined) base = base.where(sql<boolean>`coalesce(active, true) = ${query.active}`);
    if (query.q) {
      const like = `%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      base = base.where((eb) => eb.or([eb('sku', 'ilike', like), eb('name', 'ilike', like), eb('name_zh', 'ilike', like)]));
    }
    const [rows, total] = await Promise.all([
      base.selectAll().orderBy('name').orderBy('sku').limit(limit).offset(offset).execute(),
      base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toProduct), total: Number(total.n), limit, offset };
  }
}
