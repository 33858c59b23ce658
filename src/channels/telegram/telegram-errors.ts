import { TelegramError } from 'telegraf';
import { DeliveryError } from '../channel-adapter.js';

interface TelegramLikeError {
  name: string;
  message: string;
  code?: number | string;
  response?: { error_code?: number; description?: string; parameters?: { retry_after?: number } };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/** The Bot API's error_code when `err` is a telegraf TelegramError. */
export function apiErrorCode(err: unknown): number | undefined {
  return isApiError(err) ? err.response.error_code : undefined;
}

// telegraf's TelegramError keeps the name 'Error'; the Bot API answer is on `response`.
function isApiError(err: unknown): err is TelegramLikeError & { response: { error_code: number } } {
  return err instanceof TelegramError || typeof (err as TelegramLikeError)?.response?.error_code === 'number';
}

/** A short description of a failed call, without the bot token. */
export function describeError(err: unknown): string {
  const e = err as TelegramLikeError;
  if (isApiError(e)) return `${e.response?.error_code} ${e.response?.description ?? ''}`.trim();
  if (e?.name === 'AbortError') return 'timed out';
  const code = typeof e?.code === 'string' ? e.code : (e as { errno?: string })?.errno;
  const message = String(e?.message ?? err).replace(/\/bot\d+:[^/]+\//, '/bot[token]/');
  return code && !message.includes(code) ? `${code} ${message}` : message;
}

/** Seconds Telegram asked us to wait (429), if it said. */
export function retryAfterSeconds(err: unknown): number | undefined {
  return (err as TelegramLikeError)?.response?.parameters?.retry_after;
}

/**
 * Maps a failed Bot API call to how the outbox should treat it: 429 → retry after the time
 * Telegram gave; 5xx, network errors and time-outs → retry; 403 (blocked, deactivated, kicked) →
 * unreachable; other 4xx → permanent (the same request would fail again).
 */
export function toDeliveryError(err: unknown, context: string): DeliveryError {
  const reason = `${context}: ${describeError(err)}`;
  const code = apiErrorCode(err);
  if (code === undefined) {
    const e = err as TelegramLikeError;
    const network = e?.name === 'FetchError' || e?.name === 'AbortError' || NETWORK_CODES.has(String(e?.code ?? ''));
    return new DeliveryError('retry', network ? reason : `${reason} (unexpected error)`);
  }
  if (code === 429) return new DeliveryError('retry', reason, Math.max(1, retryAfterSeconds(err) ?? 1) * 1000);
  if (code >= 500) return new DeliveryError('retry', reason);
  if (code === 403) return new DeliveryError('unreachable', reason);
  // 401/404: the token was revoked or the API root is wrong; a fixed configuration lets these through.
  if (code === 401 || code === 404 || code === 409) return new DeliveryError('retry', reason);
  return new DeliveryError('permanent', reason);
}
