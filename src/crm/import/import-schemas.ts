import { z } from 'zod';
import { isTimeZone } from '../../core/time-zone.js';

const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);
const optional = <T extends z.ZodType>(s: T) => z.preprocess(blankToUndefined, s.optional());
const list = z.preprocess((v) => (typeof v === 'string' ? v.split('|') : v), z.array(z.string().trim().max(60)).max(50));

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'is not a real date');
const timestamp = z.preprocess((v) => (typeof v === 'number' ? new Date(v).toISOString() : v), z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 date-time').transform((s) => new Date(s)));

/**
 * A customer row: `{id | shopCustomerId, email?, phone?, name?, locale?, timezone?, tags?, birthday?,
 * marketingConsent?: {channel, granted, evidence}}`. A field left out keeps the stored value.
 */
export const customerImportSchema = z
  .object({
    id: optional(z.coerce.string().trim().min(1).max(128)),
    shopCustomerId: optional(z.coerce.string().trim().min(1).max(128)),
    email: optional(z.string().trim().toLowerCase().email('must be an e-mail address').max(254)),
    phone: optional(z.coerce.string().transform((p) => p.replace(/[\s().-]/g, '')).pipe(z.string().regex(/^\+?\d{6,15}$/, 'must be a phone number (6-15 digits, optional leading +)'))),
    name: optional(z.string().trim().max(200)),
    locale: optional(z.string().trim().regex(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/, 'must be a language tag such as en or zh-CN')),
    timezone: optional(z.string().trim().refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin')),
    tags: optional(list.transform((t) => [...new Set(t.map((x) => x.toLowerCase()).filter(Boolean))].sort())),
    birthday: optional(isoDate.refine((d) => d <= new Date().toISOString().slice(0, 10), 'must not be in the future')),
    marketingConsent: optional(
      z.object({
        channel: z.string().trim().min(1).max(40),
        granted: z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean({ message: 'must be true or false' })),
        evidence: optional(z.string().trim().max(2000)),
      }),
    ),
  })
  .transform((r, ctx) => {
    const shopId = r.shopCustomerId ?? r.id;
    if (!shopId) {
      ctx.addIssue({ code: 'custom', path: ['shopCustomerId'], message: 'is required (the shop’s customer id, as id or shopCustomerId)' });
      return z.NEVER;
    }
    const { id: _id, shopCustomerId: _s, ...rest } = r;
    return { shopCustomerId: shopId, ...rest };
  });

export type CustomerImportRow = z.output<typeof customerImportSchema>;

export const ORDER_STATUSES = ['created', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'] as const;

/** An order row (the shop webhook's order data plus optional status timestamps and tracking). */
export const orderImportSchema = z.object({
  id: z.coerce.string().trim().min(1, 'is required').max(128),
  customerId: z.coerce.string().trim().min(1, 'is required (the shop’s customer id)').max(128),
  status: z.string().trim().toLowerCase().pipe(z.enum(ORDER_STATUSES, { message: `must be one of ${ORDER_STATUSES.join(', ')}` })),
  total: z.coerce.number({ message: 'must be a number' }).min(0, 'must not be negative').max(9_999_999_999.99),
  currency: z.preprocess((v) => v ?? 'USD', z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO code such as USD')),
  items: z
    .preprocess(
      (v) => (v === undefined ? [] : v),
      z.array(z.object({ sku: z.coerce.string().min(1), quantity: z.coerce.number().int().positive('must be at least 1'), price: z.coerce.number().min(0) })).max(1000),
    ),
  createdAt: timestamp,
  paidAt: optional(timestamp),
  shippedAt: optional(timestamp),
  deliveredAt: optional(timestamp),
  cancelledAt: optional(timestamp),
  refundedAt: optional(timestamp),
  trackingNumber: optional(z.coerce.string().trim().max(120)),
  carrier: optional(z.string().trim().max(120)),
});

export type OrderImportRow = z.output<typeof orderImportSchema>;
