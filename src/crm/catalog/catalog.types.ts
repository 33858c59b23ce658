import type { ColumnType, Selectable } from 'kysely';

type Json<T> = ColumnType<T, string | T, string | T>;

/** The `products` table (migration 0003-catalog). */
export interface ProductsTable {
  sku: string;
  name: string;
  name_zh: string | null;
  description: string | null;
  description_zh: string | null;
  category: string | null;
  brand: string | null;
  price: number;
  currency: ColumnType<string, string | undefined, string>;
  stock: ColumnType<number, number | undefined, number>;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  attributes: Json<Record<string, unknown>>;
  active: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
  updated_at: ColumnType<Date | null, Date | string | undefined, Date | string>;
}

declare module '../../storage/schema.js' {
  interface Database {
    products: ProductsTable;
  }
}

export type ProductRow = Selectable<ProductsTable>;

/** A value that may be given per locale, e.g. `{"en": "1 year", "zh-CN": "一年"}`. */
export type Localized = string | number | boolean | { [locale: string]: unknown };

/** A product as services and flows see it. */
export interface Product {
  sku: string;
  name: string;
  nameZh: string | null;
  description: string | null;
  descriptionZh: string | null;
  category: string | null;
  brand: string | null;
  price: number;
  currency: string;
  stock: number;
  tags: string[];
  attributes: Record<string, unknown>;
  active: boolean;
  updatedAt: Date | null;
}

/** Receives catalog rows from outside (the shop webhook's `product.upserted`). */
export interface ProductSink {
  /** Validates and stores one catalog row; throws AppError('validation_failed') naming the field. */
  upsertProduct(row: unknown): Promise<void>;
}

/** Filters for paginated lists (admin API). */
export interface ProductListQuery {
  category?: string;
  brand?: string;
  tag?: string;
  /** Substring of sku, name or Chinese name (case-insensitive). */
  q?: string;
  active?: boolean;
  limit?: number;
  offset?: number;
}

export interface ProductPage {
  items: Product[];
  total: number;
  limit: number;
  offset: number;
}

/** Which part of a product a search matched. */
export type MatchField = 'sku' | 'name' | 'nameZh' | 'brand' | 'category' | 'tags' | 'attributes' | 'description';

export interface SearchHit {
  product: Product;
  /** 0..1, higher is better; comparable within one query only. */
  score: number;
  matchedOn: MatchField[];
}

export interface SearchOptions {
  limit?: number;
  /** Drop hits scoring below this (default 0.3). */
  minScore?: number;
  category?: string;
  brand?: string;
  /** Include inactive products (default false). */
  includeInactive?: boolean;
}

/** Counts from a batch upsert. */
export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Maps a table row to the domain shape. */
export function toProduct(row: ProductRow): Product {
  return {
    sku: row.sku,
    name: row.name,
    nameZh: row.name_zh,
    description: row.description,
    descriptionZh: row.description_zh,
    category: row.category,
    brand: row.brand,
    price: Number(row.price),
    currency: row.currency,
    stock: row.stock,
    tags: row.tags ?? [],
    attributes: (typeof row.attributes === 'string' ? JSON.parse(row.attributes) : row.attributes) ?? {},
    active: row.active !== false,
    updatedAt: row.updated_at,
  };
}
