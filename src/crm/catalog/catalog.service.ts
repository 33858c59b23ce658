import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import { assertCatalogRow, parseCatalogRow, type CatalogRow } from './catalog-row.js';
import { CatalogRepository } from './catalog.repository.js';
import type { Product, ProductListQuery, ProductPage, ProductSink, SearchHit, SearchOptions, UpsertCounts } from './catalog.types.js';
import { ProductIndex } from './product-index.js';

/** Hits within this share of the best score count as "equally good" for a conversation. */
const NEAR_EQUAL = 0.93;

/**
 * Catalog rules: validated upserts, lookups, and search over an in-memory index that mirrors the
 * `products` table (rebuilt by {@link refresh}, kept current by every upsert made through here).
 */
export class CatalogService implements ProductSink {
  private readonly index = new ProductIndex();
  private loadedAt: Date | null = null;
  private loading: Promise<void> | null = null;

  constructor(private readonly repo: CatalogRepository) {}

  static forDb(db: Db): CatalogService {
    return new CatalogService(new CatalogRepository(db));
  }

  /** Rebuilds the search index from the table. */
  async refresh(): Promise<void> {
    const started = new Date();
    this.index.load(await this.repo.all());
    this.loadedAt = started;
  }

  /**
   * Applies rows changed since the last refresh/sync (another instance's upserts, a CLI import);
   * cheap enough to call on a timer.
   */
  async syncChanges(): Promise<number> {
    if (!this.loadedAt) {
      await this.refresh();
      return this.index.size;
    }
    const started = new Date();
    const changed = await this.repo.changedSince(new Date(this.loadedAt.getTime() - 1_000));
    for (const p of changed) this.index.put(p);
    this.loadedAt = started;
    return changed.length;
  }

  /** The index is built on first use; concurrent first callers share one load. */
  private async ready(): Promise<ProductIndex> {
    if (!this.loadedAt) await (this.loading ??= this.refresh().finally(() => (this.loading = null)));
    return this.index;
  }

  /**
   * Validates (zod) and stores one catalog row; throws AppError('validation_failed') naming the field.
   * `audit` runs in the upsert's transaction and is told whether the row was created: the upsert
   * statement itself answers that, so a concurrent writer cannot make it wrong.
   */
  async upsert(row: unknown, audit?: (trx: Db, created: boolean) => Promise<void>): Promise<Product> {
    const valid = assertCatalogRow(row);
    const changed = await this.repo.transaction(async (repo, trx) => {
      const counts = await repo.upsertMany([valid]);
      await audit?.(trx, counts.inserted > 0);
      return counts.changed;
    });
    // The index follows the table only after the commit: a rolled-back upsert never shows in search.
    await this.indexChanged(changed);
    return (await this.get(valid.sku))!;
  }

  /** {@link ProductSink} for the shop webhook's `product.upserted`. */
  async upsertProduct(row: unknown): Promise<void> {
    await this.upsert(row);
  }

  /** Validates every row first (all or nothing), then upserts them in batches. */
  async upsertMany(rows: unknown[]): Promise<UpsertCounts> {
    const valid: CatalogRow[] = [];
    rows.forEach((r, i) => {
      const parsed = parseCatalogRow(r);
      if (!parsed.ok) throw new AppError('validation_failed', `catalog row ${i + 1}: ${parsed.reason}`);
      valid.push(parsed.row);
    });
    return this.upsertValid(dedupeBySku(valid));
  }

  private async upsertValid(rows: CatalogRow[]): Promise<UpsertCounts> {
    const { changed, ...counts } = await this.repo.upsertMany(rows);
    await this.indexChanged(changed);
    return counts;
  }

  private async indexChanged(skus: string[]): Promise<void> {
    if (this.loadedAt && skus.length) for (const p of await this.repo.findBySkus(skus)) this.index.put(p);
  }

  async get(sku: string): Promise<Product | undefined> {
    return (await this.ready()).get(sku) ?? this.repo.findBySku(sku);
  }

  /** Like {@link get} but throws AppError('not_found'). */
  async require(sku: string): Promise<Product> {
    const p = await this.get(sku);
    if (!p) throw new AppError('not_found', `product ${sku} does not exist`);
    return p;
  }

  list(query: ProductListQuery = {}): Promise<ProductPage> {
    return this.repo.list(query);
  }

  /**
   * Ranked matches for free text: names (typos, partial names, any word order; English and
   * Chinese), brand, category, tags and attribute values. No SQL once the index is built.
   */
  async search(text: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    if (!text.trim()) return [];
    return (await this.ready()).search(text, options);
  }

  /**
   * The product(s) a customer's sentence is about ("how much is the wireless mouse", "无线鼠标多少钱"):
   * the best hit, plus any that score nearly as well (the flow should then ask which one);
   * empty when nothing fits.
   */
  async findProduct(text: string, locale = 'en', options: SearchOptions = {}): Promise<SearchHit[]> {
    void locale; // both languages are always searched; the locale only shapes the answer text
    const hits = await this.search(text, { limit: 5, minScore: 0.4, ...options });
    if (hits.length === 0) return [];
    const floor = hits[0].score * NEAR_EQUAL;
    return hits.filter((h) => h.score >= floor);
  }
}

function dedupeBySku(rows: CatalogRow[]): CatalogRow[] {
  return [...new Map(rows.map((r) => [r.sku, r])).values()];
}
