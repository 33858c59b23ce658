import { z } from 'zod';
import { isTimeZone } from '../../core/time-zone.js';

/** Optional in the shop's payload, where null means the same as absent. */
const opt = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
const shopId = z.union([z.string().trim().min(1).max(100), z.number().int().nonnegative()]).transform(String);
const isoDate = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time' }).transform((s) => new Date(s));
const money = z.number().nonnegative().max(9_999_999_999.99);

export const shopCustomerSchema = z.object({
  id: shopId,
  email: opt(z.string().trim().toLowerCase().pipe(z.email({ message: 'must be an email address' }))),
  phone: opt(z.string().trim().min(3).max(40)),
  name: opt(z.string().trim().min(1).max(200)),
  locale: opt(z.string().trim().min(2).max(20)),
  timezone: opt(z.string().refine(isTimeZone, 'must be an IANA time zone like Europe/Berlin')),
  birthday: opt(z.iso.date({ message: 'must be YYYY-MM-DD' })),
  tags: opt(z.array(z.string().trim().min(1).max(50)).max(50)),
});

/** A catalog row as far as the webhook checks it; the catalog validates the rest. */
export const shopProductSchema = z.looseObject({
  sku: z.string().trim().min(1).max(100),
  name: z.string().trim().min(1).max(500),
  price: money,
});

export const orderStatusSchema = z.enum(['created', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded']);

export const shopOrderSchema = z.object({
  id: z.string().trim().min(1).max(100),
  customerId: shopId,
  status: opt(orderStatusSchema),
  total: money,
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be a 3-letter currency code'),
  items: z
    .array(z.object({ sku: z.string().trim().min(1).max(100), quantity: z.number().int().positive().max(100_000), price: money }))
    .max(1000),
  createdAt: isoDate,
  trackingNumber: opt(z.string().trim().min(1).max(100)),
  carrier: opt(z.string().trim().min(1).max(100)),
  shippingAddress: opt(z.record(z.string(), z.string().max(200))),
});

const envelope = {
  id: z.string().trim().min(1).max(200),
  occurredAt: isoDate,
};

/** The body of `POST /webhooks/shop` (DESIGN §4). */
export const shopEventSchema = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('customer.upserted'), data: shopCustomerSchema }),
  z.object({ ...envelope, type: z.literal('product.upserted'), data: shopProductSchema }),
  z.object({
    ...envelope,
    type: z.enum(['order.created', 'order.paid', 'order.shipped', 'order.delivered', 'order.cancelled', 'order.refunded']),
    data: shopOrderSchema,
  }),
]);

export type ShopEvent = z.infer<typeof shopEventSchema>;
export type ShopCustomer = z.infer<typeof shopCustomerSchema>;
export type ShopProduct = z.infer<typeof shopProductSchema>;
export type ShopOrder = z.infer<typeof shopOrderSchema>;
