import { z } from 'zod';
import type { Selectable } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { ProductsTable } from './catalog.types.js';

/** Attribute keys with a meaning of their own (answerable, and accepted at the top level of a row). */
export const WELL_KNOWN_ATTRIBUTES = ['warranty', 'shipping', 'returnPolicy', 'discountPercentage', 'availability'] as const;

const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`);
const optionalText = (max: number) =>
  z.preprocess((v) => (v === '' ? null : v), text(max).nullish()).transform((v) => v ?? null);

const tags = z.preprocess(
  (v) => (typeof v === 'string' ? v.split('|') : v),
  z.array(z.string().trim().toLowerCase().max(60)).max(50, 'at most 50 tags').transform((t) => [...new Set(t.filter(Boolean))].sort()),
);

const attributes = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  },
  z.record(z.string().min(1).max(80), z.unknown(), { message: 'must be an object of key → value' }),
);

const localizedText = z.object({ name: optionalText(300), description: optionalText(10_000) }).partial();

/**
 * A catalog row as shops send it (DESIGN §4): `{sku, name, description, category, brand, price,
 * currency, stock, tags[], attributes{}}` plus optional `nameZh`/`descriptionZh` or
 * `translations: {"zh-CN": {name, description}}`; well-known attributes may also sit at the top level.
 */
const rawRowSchema = z.object({
    sku: text(64).min(1, 'is required'),
    name: text(300).min(1, 'is required'),
    description: optionalText(10_000),
    category: optionalText(120),
    brand: optionalText(120),
    price: z.coerce.number({ message: 'must be a number' }).min(0, 'must not be negative').max(9_999_999_999.99, 'is too large'),
    currency: z
      .preprocess((v) => (v === '' || v == null ? 'USD' : v), z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO code such as USD')),
    stock: z.preprocess((v) => (v === '' || v == null ? 0 : v), z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(0, 'must not be negative')),
    tags: tags.optional().default([]),
    attributes: attributes.optional().default({}),
    nameZh: optionalText(300),
    descriptionZh: optionalText(10_000),
    translations: z.record(z.string(), localizedText).optional(),
    active: z.preprocess((v) => (v === 'false' || v === '0' ? false : v === 'true' || v === '1' ? true : v), z.boolean().optional()),
    warranty: z.unknown().optional(),
    shipping: z.unknown().optional(),
    returnPolicy: z.unknown().optional(),
    discountPercentage: z.unknown().optional(),
    availability: z.unknown().optional(),
  });

export const catalogRowSchema = z.preprocess(camelKeys, rawRowSchema.transform((r): CatalogRow => normalize(r)));

// CSV headers and some shop exports use snake_case (name_zh, return_policy): accept both.
function camelKeys(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    const camel = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(camel in out) || k === camel) out[camel] = val;
  }
  return out;
}

/** A validated row in the table's shape, ready for an upsert (the table's columns, minus `updated_at`). */
export type CatalogRow = Omit<Selectable<ProductsTable>, 'updated_at' | 'active'> & { active: boolean };

type Parsed = z.output<typeof rawRowSchema>;

function normalize(r: Parsed): CatalogRow {
  const zh = r.translations?.['zh-CN'] ?? r.translations?.zh ?? {};
  const attrs: Record<string, unknown> = { ...(r.attributes as Record<string, unknown>) };
  for (const key of WELL_KNOWN_ATTRIBUTES) {
    const v = r[key];
    if (v !== undefined && v !== null && v !== '') attrs[key] = v;
  }
  if (attrs.discountPercentage !== undefined) attrs.discountPercentage = Number(attrs.discountPercentage);
  return {
    sku: r.sku,
    name: r.name,
    name_zh: r.nameZh ?? zh.name ?? null,
    description: r.description ?? null,
    description_zh: r.descriptionZh ?? zh.description ?? null,
    category: r.category ?? null,
    brand: r.brand ?? null,
    price: Math.round(Number(r.price) * 100) / 100,
    currency: r.currency,
    stock: r.stock,
    tags: r.tags,
    attributes: sortKeys(attrs),
    active: r.active ?? true,
  };
}

const discountSchema = z.number({ message: 'must be a number' }).min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');

/** Validates one row; returns the row or a one-line reason naming the field. */
export function parseCatalogRow(input: unknown): { ok: true; row: CatalogRow } | { ok: false; reason: string } {
  const result = catalogRowSchema.safeParse(input);
  if (!result.success) return { ok: false, reason: describeIssue(result.error) };
  const discount = result.data.attributes.discountPercentage;
  if (discount !== undefined) {
    const d = discountSchema.safeParse(discount);
    if (!d.success) return { ok: false, reason: `attributes.discountPercentage ${d.error.issues[0].message}` };
  }
  return { ok: true, row: result.data };
}

/** Like {@link parseCatalogRow} but throws AppError('validation_failed'). */
export function assertCatalogRow(input: unknown): CatalogRow {
  const parsed = parseCatalogRow(input);
  if (!parsed.ok) {
    const sku = typeof (input as { sku?: unknown })?.sku === 'string' ? ` (sku ${(input as { sku: string }).sku})` : '';
    throw new AppError('validation_failed', `invalid catalog row${sku}: ${parsed.reason}`);
  }
  return parsed.row;
}

/** `price must not be negative` — the first issue, with its path. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue.path.join('.');
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${path || 'row'} is required`;
  return path ? `${path} ${issue.message}` : issue.message;
}

// Stable key order so that re-importing the same row compares equal (jsonb ignores order anyway).
function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
