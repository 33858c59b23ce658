import { DeliveryError } from '../channel-adapter.js';

/** Platform errors meaning the customer cannot be reached in this DM any more. */
const UNREACHABLE = new Set(['account_inactive', 'user_not_found', 'channel_not_found', 'is_archived', 'user_disabled', 'cannot_dm_bot', 'not_in_channel']);
/** Platform errors that a later attempt may get past. */
const TRANSIENT = new Set(['ratelimited', 'rate_limited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

interface WebApiErrorShape {
  code?: string;
  message?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string };
}

/**
 * A failed Web API call as the outbox sender's failure class. With `retryConfig.retries: 0` and
 * `rejectRateLimitedCalls: true` the client never waits or retries on its own: a 429 arrives here
 * as `slack_webapi_rate_limited_error` with `retryAfter` in seconds.
 */
export function toDeliveryError(err: unknown, what: string): DeliveryError {
  const e = (err ?? {}) as WebApiErrorShape;
  switch (e.code) {
    case 'slack_webapi_rate_limited_error': {
      const seconds = typeof e.retryAfter === 'number' && e.retryAfter >= 0 ? e.retryAfter : 1;
      return new DeliveryError('retry', `${what}: rate limited by Slack for ${seconds}s`, seconds * 1000);
    }
    case 'slack_webapi_http_error':
      return new DeliveryError(
        e.statusCode !== undefined && e.statusCode >= 500 ? 'retry' : 'permanent',
        `${what}: Slack answered HTTP ${e.statusCode ?? '?'}`,
      );
    case 'slack_webapi_request_error':
      return new DeliveryError('retry', `${what}: Slack could not be reached (${e.message ?? 'network error'})`);
    case 'slack_webapi_platform_error': {
      const code = e.data?.error ?? 'unknown_error';
      const failure = UNREACHABLE.has(code) ? 'unreachable' : TRANSIENT.has(code) ? 'retry' : 'permanent';
      return new DeliveryError(failure, `${what}: Slack refused with ${code}`);
    }
    default:
      // Not from the Web API client (a bug or a timeout); trying again is the safe side.
      return new DeliveryError('retry', `${what}: ${e.message ?? String(err)}`);
  }
}
