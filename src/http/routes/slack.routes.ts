import { Router, type RequestHandler } from 'express';
import { AppError } from '../../core/errors.js';

/** Slack's replay window: a request signed more than five minutes away from our clock is refused. */
export const SLACK_REPLAY_WINDOW_SECONDS = 5 * 60;

export interface SlackRouteOptions {
  windowSeconds?: number;
  /** Seconds since the epoch (tests move the clock). */
  now?: () => number;
}

/**
 * `POST /slack/events` (Events API and interactivity) handled by bolt's receiver. Mount it before
 * the JSON body parser (`rawRouters`) so bolt reads the raw body for the signature; after it, bolt
 * falls back to `req.rawBody`, but a malformed body would then get 400 before the signature check.
 * Bolt refuses timestamps older than five minutes but not ones from the future, so the window is
 * checked here in both directions first.
 */
export function slackRoutes(boltHandler: RequestHandler, options: SlackRouteOptions = {}): Router {
  const window = options.windowSeconds ?? SLACK_REPLAY_WINDOW_SECONDS;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const router = Router();
  router.post('/slack/events', (req, _res, next) => {
    const header = req.get('x-slack-request-timestamp');
    const ts = header && /^\d{1,12}$/.test(header) ? Number(header) : NaN;
    if (Number.isNaN(ts)) throw new AppError('unauthorized', 'X-Slack-Request-Timestamp is missing or not a number');
    if (Math.abs(now() - ts) > window) throw new AppError('unauthorized', `X-Slack-Request-Timestamp ${ts} is outside the ${window}s replay window`);
    if (!req.get('x-slack-signature')) throw new AppError('unauthorized', 'X-Slack-Signature is missing');
    next();
  }, boltHandler);
  return router;
}
