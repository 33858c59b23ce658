/**
 * Application errors carry a fixed machine-readable `code` and an HTTP status, so one express
 * error handler can answer every failure consistently.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'config_invalid'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  config_invalid: 500,
  internal: 500,
};

/** An error whose message is safe to show to the caller and whose code never changes. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS[code];
  }
}

/** True when `err` is an AppError (works across module copies, unlike instanceof). */
export function isAppError(err: unknown): err is AppError {
  return err instanceof Error && (err as AppError).name === 'AppError' && typeof (err as AppError).code === 'string';
}
