import { z } from 'zod';
import { AppError } from '../../core/errors.js';

const MAX_DAYS = 36_500;
const word = z.string().trim().min(1).max(100);
const oneOrMany = z.union([word, z.array(word).min(1).max(100)]).transform((v) => (Array.isArray(v) ? v : [v]));
const days = z.number().positive().max(MAX_DAYS);
const score = z.number().int().min(1).max(5);
/** A band of RFM scores: `4` or `[4, 5]` (inclusive). */
const band = z
  .union([score, z.tuple([score, score])])
  .transform((v): [number, number] => (Array.isArray(v) ? v : [v, v]))
  .refine(([lo, hi]) => lo <= hi, 'band must be [low, high] with low ≤ high');

/**
 * A segment filter is data: every present key narrows the set (AND); `{}` is every customer who is
 * not erased. Unknown keys are rejected so a typo never silently widens a campaign.
 */
export const segmentFilterSchema = z.strictObject({
  /** Loyalty tier(s). */
  tier: oneOrMany.optional(),
  /** Customer has all of these tags. */
  tags: oneOrMany.optional(),
  /** Customer has a reachable identity on this channel. */
  channel: word.optional(),
  locale: oneOrMany.optional(),
  lastSeenWithinDays: days.optional(),
  /** lifetime_spend ≥ this amount. */
  minSpend: z.number().min(0).max(1e10).optional(),
  /** Recency / frequency / monetary bands (1–5, NTILE over orders). */
  rfm: z
    .strictObject({ r: band.optional(), f: band.optional(), m: band.optional() })
    .refine((v) => v.r || v.f || v.m, 'rfm needs at least one of r, f, m')
    .optional(),
  lastOrderWithinDays: days.optional(),
  noOrderForDays: days.optional(),
  /** Live consent (latest record is a grant) on a channel for a purpose. */
  consent: z.strictObject({ channel: word, purpose: z.enum(['marketing', 'transactional']) }).optional(),
});

/** The filter as stored and sent by clients. */
export type SegmentFilterInput = z.input<typeof segmentFilterSchema>;
/** The filter after validation (single values widened to lists, bands to [low, high]). */
export type SegmentFilter = z.output<typeof segmentFilterSchema>;

/** Validates a filter; a bad one is a 400 naming the key. */
export function parseSegmentFilter(data: unknown): SegmentFilter {
  const r = segmentFilterSchema.safeParse(data ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? ` in ${issue.path.join('.')}` : '';
    throw new AppError('validation_failed', `segment filter: unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}${where}`, r.error.issues);
  }
  throw new AppError('validation_failed', `segment filter: ${issue.path.join('.') || '(root)'} ${issue.message}`, r.error.issues);
}
