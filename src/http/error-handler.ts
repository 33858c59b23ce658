import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, isAppError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** 404 for any route nobody handled, as JSON. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `no route for ${req.method} ${req.path}`));
};

/**
 * The one error handler: AppErrors become `{error: {code, message}}` with their status (a 429 with
 * `Retry-After` when it says how long to wait); body
 * parser failures become 400/413 naming the problem; anything else is logged and answered 500
 * without internals.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    if (appError.status >= 500) log.error({ err, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) return;
    // A 429 says when to try again (RateLimitedError carries it), whichever route refused.
    const retryAfter = (appError.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if (appError.status === 429 && typeof retryAfter === 'number') res.setHeader('Retry-After', String(retryAfter));
    res.status(appError.status).json({
      error: { code: appError.code, message: appError.message, ...(appError.details ? { details: appError.details } : {}) },
    });
  };
}

function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  if (e?.type === 'entity.parse.failed') return new AppError('bad_request', `request body is not valid JSON: ${e.message}`);
  if (e?.type === 'entity.too.large') return new AppError('payload_too_large', `request body is larger than ${e.limit} bytes`);
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new AppError('bad_request', e.message ?? 'unsupported encoding');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new AppError('bad_request', e.message ?? 'bad request');
  return new AppError('internal', 'internal error');
}
