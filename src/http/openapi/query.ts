import { z } from 'zod';

/** Query-string building blocks shared by the admin routes (query values arrive as strings). */
export const limitParam = (max = 200, fallback = 50) => z.coerce.number().int('must be a whole number').min(1).max(max).default(fallback);
export const offsetParam = z.coerce.number().int('must be a whole number').min(0).max(1_000_000).default(0);
/** `true`/`false` (also 1/0) in a query string. */
export const boolParam = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');
/** A short free-text filter; anything is allowed (it is bound as a parameter, never spliced into SQL). */
export const textParam = (max = 200) => z.string().trim().min(1).max(max);

export const uuidParams = z.object({ id: z.uuid({ message: 'must be an id (uuid)' }) });
