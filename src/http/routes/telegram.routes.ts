import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type RequestHandler } from 'express';
import type { TelegramAdapter } from '../../channels/telegram/telegram.adapter.js';
import { isUpdate } from '../../channels/telegram/telegram-update.js';
import { AppError } from '../../core/errors.js';
import { JSON_LIMIT } from '../app.js';

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * `POST /telegram/webhook`: checks Telegram's secret-token header (constant time; 401 and nothing
 * processed when it is wrong or missing), then runs the update through the pipeline and answers
 * 200 once the turn is committed. A failure answers 5xx so Telegram delivers the update again;
 * the message identity makes that redelivery a duplicate, never a second reply.
 *
 * Mount it among the app's `rawRouters` (`extraRouters: () => ({ raw: routes })`): it parses its own
 * JSON body and must come before routers that guard every path (e.g. bearer-token auth).
 */
export function telegramWebhookRoutes(adapter: Pick<TelegramAdapter, 'handleUpdate'>, secret: string): Router {
  if (!secret) throw new AppError('config_invalid', 'TELEGRAM_WEBHOOK_SECRET is required for the Telegram webhook');
  const expected = digest(secret);
  const router = Router();
  // The secret is checked before the body is even read: a forged request costs nothing.
  const checkSecret: RequestHandler = (req, _res, next) => {
    const given = req.get(SECRET_HEADER);
    if (!given || !timingSafeEqual(digest(given), expected)) {
      return next(new AppError('unauthorized', 'X-Telegram-Bot-Api-Secret-Token is missing or does not match'));
    }
    next();
  };
  router.post(TELEGRAM_WEBHOOK_PATH, checkSecret, express.json({ limit: JSON_LIMIT }), async (req, res) => {
    if (!isUpdate(req.body)) throw new AppError('bad_request', 'body is not a Telegram update (update_id missing)');
    const outcome = await adapter.handleUpdate(req.body);
    res.status(200).json({ ok: true, outcome });
  });
  return router;
}

// Hashing first makes the comparison constant-time whatever the lengths.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
