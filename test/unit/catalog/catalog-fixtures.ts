import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCatalogRow, type CatalogRow } from '../../../src/crm/catalog/catalog-row.js';
import { toProduct, type Product } from '../../../src/crm/catalog/catalog.types.js';
import { CONFIG_DIR } from '../../../src/core/config.js';

/** A validated row as the table would hold it. */
export function rowToProduct(row: CatalogRow): Product {
  return toProduct({ ...row, updated_at: null });
}

/** The demo shop's catalog (config/demo/catalog.json) as products. */
export function demoProducts(): Product[] {
  const file = JSON.parse(readFileSync(path.join(CONFIG_DIR, 'demo', 'catalog.json'), 'utf8')) as { items: unknown[] };
  return file.items.map((item) => {
    const parsed = parseCatalogRow(item);
    if (!parsed.ok) throw new Error(parsed.reason);
    return rowToProduct(parsed.row);
  });
}

/** Where the shared public product sample lives (read at test time only, never copied). */
export const SHARED_PRODUCTS = path.resolve(process.cwd(), '../shared/data/catalog/products.json');

/** Maps the shared sample's records (title, warrantyInformation, …) onto catalog rows. */
export function sharedCatalogRows(): unknown[] | null {
  if (!existsSync(SHARED_PRODUCTS)) return null;
  const data = JSON.parse(readFileSync(SHARED_PRODUCTS, 'utf8')) as Record<string, any>[];
  return data.map((d) => ({
    sku: d.sku ?? String(d.id),
    name: d.title,
    description: d.description,
    category: d.category,
    brand: d.brand,
    price: d.price,
    stock: d.stock,
    tags: d.tags,
    warranty: d.warrantyInformation,
    shipping: d.shippingInformation,
    returnPolicy: d.returnPolicy,
    availability: d.availabilityStatus,
    discountPercentage: d.discountPercentage,
    attributes: { minimumOrderQuantity: d.minimumOrderQuantity },
  }));
}
