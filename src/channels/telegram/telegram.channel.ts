import type { Router } from 'express';
import type { Env } from '../../core/config.js';
import { AppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { telegramWebhookRoutes, TELEGRAM_WEBHOOK_PATH } from '../../http/routes/telegram.routes.js';
import type { ChannelAdapter, InboundHandler } from '../channel-adapter.js';
import { TelegramAdapter, type TelegramAdapterOptions } from './telegram.adapter.js';

export type TelegramEnv = Pick<Env, 'TELEGRAM_BOT_TOKEN' | 'TELEGRAM_API_ROOT' | 'TELEGRAM_WEBHOOK_SECRET' | 'TELEGRAM_WEBHOOK_URL'> & { TELEGRAM_MODE?: Env['TELEGRAM_MODE']; TELEGRAM_WEBHOOK_MAX_CONNECTIONS?: number };

export interface TelegramChannelOptions {
  /** The validated environment (`app.config.env`). */
  env: TelegramEnv;
  /** Usually `(m) => app.pipeline.handle(m)`. */
  handle: InboundHandler;
  log: Logger;
  /** Override the sender's pace (`null` = none, for benchmarks against a fake API). */
  pacing?: ChannelAdapter['pacing'] | null;
  /** getUpdates long-poll time-out in seconds. */
  pollTimeoutSec?: number;
  /** The coordination store: long button payloads resolve on every instance. */
  shared?: TelegramAdapterOptions['shared'];
}

/**
 * Builds the Telegram channel from the environment, or returns null when TELEGRAM_BOT_TOKEN is
 * unset. In webhook mode it also returns the `POST /telegram/webhook` router to mount on the HTTP
 * app; TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET are then required (a missing one stops
 * start-up with a line naming it). A URL without a path gets `/telegram/webhook` appended.
 */
export function buildTelegramChannel(options: TelegramChannelOptions): { adapter: TelegramAdapter; routes: Router[] } | null {
  const { env } = options;
  if (!env.TELEGRAM_BOT_TOKEN) return null;
  const mode = env.TELEGRAM_MODE ?? 'polling';
  if (mode === 'webhook') {
    if (!env.TELEGRAM_WEBHOOK_URL) throw new AppError('config_invalid', 'TELEGRAM_WEBHOOK_URL is required when TELEGRAM_MODE=webhook');
    if (!env.TELEGRAM_WEBHOOK_SECRET) throw new AppError('config_invalid', 'TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook');
  }
  const adapter = new TelegramAdapter({
    token: env.TELEGRAM_BOT_TOKEN,
    apiRoot: env.TELEGRAM_API_ROOT,
    mode,
    webhookUrl: env.TELEGRAM_WEBHOOK_URL ? webhookUrl(env.TELEGRAM_WEBHOOK_URL) : undefined,
    webhookSecret: env.TELEGRAM_WEBHOOK_SECRET,
    webhookMaxConnections: env.TELEGRAM_WEBHOOK_MAX_CONNECTIONS,
    handle: options.handle,
    log: options.log.child({ channel: 'telegram' }),
    pacing: options.pacing,
    pollTimeoutSec: options.pollTimeoutSec,
    shared: options.shared,
  });
  const routes = mode === 'webhook' ? [telegramWebhookRoutes(adapter, env.TELEGRAM_WEBHOOK_SECRET!)] : [];
  return { adapter, routes };
}

function webhookUrl(base: string): string {
  const url = new URL(base);
  if (url.pathname === '/' || url.pathname === '') url.pathname = TELEGRAM_WEBHOOK_PATH;
  return url.toString();
}
