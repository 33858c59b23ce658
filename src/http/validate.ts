import type { z } from 'zod';
import { AppError } from '../core/errors.js';

/** Parses `data` with `schema` or throws a 400 naming the first bad field. */
export function parseBody<T>(schema: z.ZodType<T>, data: unknown, what = 'body'): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.length ? issue.path.join('.') : what;
  const tooBig = issue.code === 'too_big';
  throw new AppError(tooBig ? 'payload_too_large' : 'validation_failed', `${field}: ${issue.message}`, { issues: result.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })) });
}
