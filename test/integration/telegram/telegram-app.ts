import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TelegramAdapter } from '../../../src/channels/telegram/telegram.adapter.js';
import type { ChannelAdapter } from '../../../src/channels/channel-adapter.js';
import { startApp, type App } from '../../../src/main.js';
import { FakeTelegramApi } from '../../fakes/telegram-api.fake.js';

export const WEBHOOK_SECRET = 'test-secret_0123456789';

export interface TelegramTestApp {
  app: App;
  fake: FakeTelegramApi;
  adapter: TelegramAdapter;
  close(): Promise<void>;
}

/**
 * The real app (PGlite under a temp DATA_DIR, built-in NLU, outbox sender) with the Telegram
 * channel built from the environment and pointed at a fake Bot API.
 */
export async function startTelegramApp(mode: 'polling' | 'webhook', pacing?: ChannelAdapter['pacing'] | null): Promise<TelegramTestApp> {
  const fake = new FakeTelegramApi();
  const apiRoot = await fake.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'patron-telegram-'));
  const app = await startApp({
    env: {
      DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', DEMO_DATA: 'false',
      TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: apiRoot, TELEGRAM_MODE: mode,
      TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, TELEGRAM_WEBHOOK_URL: 'https://shop.example.com', TELEGRAM_WEBHOOK_MAX_CONNECTIONS: '12',
    },
    // Wired by startApp from the environment, as in production.
    telegram: { pacing, pollTimeoutSec: 2 },
  });
  const adapter = app.channels.get('telegram') as TelegramAdapter;
  await adapter.whenConnected();
  return {
    app, fake, adapter,
    async close() {
      await app.stop();
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Outbox rows for one Telegram chat, oldest first. */
export async function outboxRows(app: App, chatId: number) {
  return app.store.db.selectFrom('outbox').selectAll().where('channel', '=', 'telegram').where('recipient', '=', String(chatId)).orderBy('id').execute();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
