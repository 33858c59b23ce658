import { join } from 'node:path';
import { sql } from 'kysely';
import { CONFIG_DIR } from '../../core/config.js';
import type { Db } from '../../storage/database.js';
import { SettingsRepository } from '../settings/settings.repository.js';
import { ImportService } from '../import/import.service.js';
import type { ImportKind } from '../import/import.types.js';
import { readImportFile } from '../import/read-rows.js';

export const DEMO_LOADED_KEY = 'demo_loaded';

export interface DemoLoadResult {
  loaded: boolean;
  products: number;
  customers: number;
  orders: number;
  /** Parts left out because their tables are not there yet (e.g. before migration 0002). */
  skipped: ImportKind[];
}

/**
 * Loads the "Patron Outfitters" demo shop (config/demo: catalog, customers, orders) on the first
 * embedded start only; the `demo_loaded` setting marks it done. `force` loads again (the upserts
 * are idempotent). Parts whose tables do not exist yet are skipped and reported.
 */
export async function loadDemoData(db: Db, options: { force?: boolean; configDir?: string } = {}): Promise<DemoLoadResult> {
  const settings = new SettingsRepository(db);
  const result: DemoLoadResult = { loaded: false, products: 0, customers: 0, orders: 0, skipped: [] };
  if (!options.force && (await settings.get(DEMO_LOADED_KEY)) !== undefined) return result;
  const dir = join(options.configDir ?? CONFIG_DIR, 'demo');
  const imports = new ImportService(db);
  const files: [ImportKind, string][] = [['products', 'catalog.json'], ['customers', 'customers.json'], ['orders', 'orders.json']];
  for (const [kind, file] of files) {
    if (!(await tablesReady(db, kind))) {
      result.skipped.push(kind);
      continue;
    }
    const summary = await imports.run(kind, await readImportFile(join(dir, file)));
    result[kind] = summary.read - summary.rejected;
  }
  // Marked even when a part was skipped: the demo is a first-start nicety, never a repeated write.
  await settings.set(DEMO_LOADED_KEY, new Date().toISOString());
  result.loaded = true;
  return result;
}

async function tablesReady(db: Db, kind: ImportKind): Promise<boolean> {
  const need: Record<ImportKind, [string, string]> = {
    products: ['products', 'sku'],
    customers: ['customers', 'shop_customer_id'],
    orders: ['orders', 'shop_customer_id'],
  };
  const [table, column] = need[kind];
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from information_schema.columns
    where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`.execute(db);
  if (kind === 'orders' && rows[0]?.n) return tablesReady(db, 'customers');
  return (rows[0]?.n ?? 0) > 0;
}
