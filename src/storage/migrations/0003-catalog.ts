import { sql, type Kysely } from 'kysely';

/** The product catalog: one row per SKU, bilingual name/description, free-form attributes. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('products')
    .addColumn('sku', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_zh', 'text')
    .addColumn('description', 'text')
    .addColumn('description_zh', 'text')
    .addColumn('category', 'text')
    .addColumn('brand', 'text')
    .addColumn('price', sql`numeric(12,2)`, (c) => c.notNull().check(sql`price >= 0`))
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('USD'))
    .addColumn('stock', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('active', 'boolean', (c) => c.defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (c) => c.defaultTo(sql`now()`))
    .execute();
  // Admin lists filter by these; search itself runs on the in-memory index.
  await db.schema.createIndex('products_category_idx').on('products').column('category').execute();
  await db.schema.createIndex('products_brand_idx').on('products').column('brand').execute();
  await db.schema.createIndex('products_updated_idx').on('products').column('updated_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('products').ifExists().execute();
}
