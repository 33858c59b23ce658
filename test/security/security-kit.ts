/**
 * One real Patron instance with every public door open, for the hostile-input suites: web chat
 * (HTTP + WebSocket), the shop webhook, Telegram in webhook mode and Slack (each against its fake
 * platform API), and the admin API mounted the way main.ts will mount it. Embedded PGlite in a
 * temp DATA_DIR; a keyword classifier keeps the suites independent of the NLU model.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { signIdentityLink, signShopBody } from '../../src/crm/shop/index.js';
import type { TelegramAdapter } from '../../src/channels/telegram/telegram.adapter.js';
import { createLogger, silentLogger, type Logger } from '../../src/core/logger.js';
import type { IntentClassifier } from '../../src/flows/understand.js';
import type { AdminApi } from '../../src/http/routes/api/index.js';
import { startApp, type App } from '../../src/main.js';
import { FakeSlackApi, signedHeaders } from '../fakes/slack-api.fake.js';
import { FakeTelegramApi } from '../fakes/telegram-api.fake.js';
import { tempDataDir } from '../helpers/app.js';

export const ADMIN_TOKEN = 'sec-admin-token-7f3a9c2e5b1d8f4a6c0e';
export const SHOP_SECRET = 'sec-shop-secret-4b8e1f6a2c9d7e3b';
export const TELEGRAM_SECRET = 'sec-telegram-secret_5e2a8c1f9b';
export const SLACK_SIGNING_SECRET = 'sec-slack-signing-secret-8d3f6b1a0c4e';
export const SLACK_BOT_TOKEN = 'xoxb-1111-sec-test-token';

/** Intents by keyword: enough for the order, ticket and greeting paths the suites need. */
export const keywordClassifier: IntentClassifier = {
  classify: (text: string) => {
    if (/\bticket\b/i.test(text)) return { intent: 'ticket_status', confidence: 0.99 };
    if (/\border\b/i.test(text)) return { intent: 'track_order', confidence: 0.99 };
    if (/\b(hi|hello)\b/i.test(text)) return { intent: 'greeting', confidence: 0.99 };
    return { intent: 'oos', confidence: 0.1 };
  },
} as IntentClassifier;

export interface Reply {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export interface SecurityKit {
  app: App;
  url: string;
  api: AdminApi;
  telegram: FakeTelegramApi;
  slack: FakeSlackApi;
  /** Any request; `body` objects are sent as JSON, strings as they are. */
  request(method: string, path: string, opts?: { body?: unknown; headers?: Record<string, string>; token?: string | null }): Promise<Reply>;
  /** A signed shop webhook event (or a raw body signed as given). */
  shop(raw: string, signature?: string): Promise<Reply>;
  shopEvent(type: string, data: Record<string, unknown>, id?: string): Promise<Reply>;
  /** A web chat turn; returns the reply and the session token. */
  chat(text: string, sessionId?: string, extra?: Record<string, unknown>): Promise<Reply>;
  /** Links a web chat session to the shop customer `shopCustomerId` (the shop's signed link). */
  linkSession(sessionId: string, shopCustomerId: string): Promise<Reply>;
  count(table: string): Promise<number>;
  healthy(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface KitOptions {
  /** Where the app's log goes (secrets suite); silent by default. */
  logTo?: Writable;
  classifier?: IntentClassifier;
}

export async function startSecurityKit(options: KitOptions = {}): Promise<SecurityKit> {
  const telegram = new FakeTelegramApi();
  const apiRoot = await telegram.start();
  const slack = await FakeSlackApi.start({ token: SLACK_BOT_TOKEN });
  const data = tempDataDir('patron-security-');
  const logger: Logger = options.logTo ? createLogger({ level: 'debug', destination: options.logTo }) : silentLogger;
  // PUT /api/faq writes the file: fuzzing must never touch the repository's config/faq.json.
  const faqPath = join(data.dir, 'faq.json');
  cpSync(join(process.cwd(), 'config', 'faq.json'), faqPath);
  const classifier = options.classifier ?? keywordClassifier;
  const app = await startApp({
    env: {
      PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: options.logTo ? 'debug' : 'silent', DATA_DIR: data.dir, DEMO_DATA: 'false',
      ADMIN_TOKEN, SHOP_WEBHOOK_SECRET: SHOP_SECRET,
      TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: apiRoot, TELEGRAM_MODE: 'webhook',
      TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET, TELEGRAM_WEBHOOK_URL: 'https://shop.example.com',
      SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL: slack.url,
    },
    logger,
    classifier,
    // The admin API and security headers are mounted by startApp as in production; FAQ edits go to a temp copy.
    admin: { faqPath },
  });
  await (app.channels.get('telegram') as TelegramAdapter).whenConnected();
  const url = app.url!;

  const request: SecurityKit['request'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? ADMIN_TOKEN : opts.token;
    if (token && path.startsWith('/api/')) headers.authorization ??= `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    }
    // A request nobody answers is a failure of its own, named by the case that caused it.
    const res = await fetch(`${url}${path}`, { method, headers, body, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
  const shop: SecurityKit['shop'] = (raw, signature) =>
    request('POST', '/webhooks/shop', { body: raw, headers: { 'content-type': 'application/json', 'x-shop-signature': signature ?? signShopBody(SHOP_SECRET, raw) } });
  let events = 0;
  const kit: SecurityKit = {
    app, url, api: app.adminApi!, telegram, slack, request, shop,
    shopEvent: (type, payload, id) => shop(JSON.stringify({ id: id ?? `sec-evt-${Date.now()}-${++events}`, type, occurredAt: new Date().toISOString(), data: payload })),
    chat: (text, sessionId, extra = {}) => request('POST', '/chat/messages', { body: { text, ...(sessionId ? { sessionId } : {}), ...extra } }),
    linkSession: (sessionId, shopCustomerId) => {
      const expiry = Math.floor(Date.now() / 1000) + 600;
      const externalId = sessionId.slice(0, sessionId.lastIndexOf('.'));
      const signature = signIdentityLink(SHOP_SECRET, { shopCustomerId, channel: 'webchat', externalId, expiry });
      return request('POST', '/chat/messages', { body: { sessionId, payload: `link:${shopCustomerId}.${expiry}.${signature}` } });
    },
    count: async (table) => {
      const row = await app.store.db.selectFrom(table as 'customers').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    healthy: async () => (await fetch(`${url}/healthz`)).ok,
    stop: async () => {
      await app.stop();
      await telegram.close();
      await slack.close();
      data.cleanup();
    },
  };
  return kit;
}

/** Every 4xx of ours is JSON `{error: {code, message}}`. */
export function isJsonError(r: Reply): boolean {
  return (r.headers.get('content-type') ?? '').startsWith('application/json') && typeof r.body?.error?.code === 'string' && typeof r.body?.error?.message === 'string';
}

/** Headers Slack would send for `body`, or forged ones. */
export { signedHeaders as slackHeaders };
