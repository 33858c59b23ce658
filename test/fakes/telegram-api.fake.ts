import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Update } from 'telegraf/types';

export { privateTextUpdate, groupTextUpdate, callbackQueryUpdate, redelivered } from './telegram/updates.js';

/** One recorded Bot API call. */
export interface FakeCall {
  method: string;
  payload: Record<string, unknown>;
  /** Date.now() when the request arrived. */
  at: number;
}

/** A scripted outcome for the next calls of a method (`ok` lets a call through, to fail a later one). */
export type FakeFailure =
  | { kind: 'ok' }
  | { kind: 'rate_limited'; retryAfter: number }
  | { kind: 'server_error'; status?: number }
  | { kind: 'blocked' }
  | { kind: 'chat_not_found' }
  | { kind: 'drop' };

const BOT = { id: 424242, is_bot: true, first_name: 'Patron Test', username: 'patron_test_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };

/**
 * A fake Telegram Bot API: a real HTTP server on 127.0.0.1 that telegraf talks to through
 * `apiRoot`. Records every call, serves pushed updates to long polling (`getUpdates` with
 * `offset`/`timeout`, confirming everything below the offset like Telegram does) and can be
 * scripted to fail the next calls of a method.
 */
export class FakeTelegramApi {
  readonly calls: FakeCall[] = [];
  /** Highest offset a getUpdates call confirmed. */
  confirmedOffset = 0;
  webhook: { url: string; secret?: string; maxConnections?: number } | null = null;
  /** TCP connections accepted so far. */
  connections = 0;
  private server: Server | null = null;
  private queue: Update[] = [];
  private waiters = new Set<() => void>();
  private failures = new Map<string, FakeFailure[]>();
  private nextMessageId = 1;

  constructor(readonly token = '123456:TEST-token_abc') {}

  /** Starts listening on a free port; returns the apiRoot to give telegraf. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.serve(req, res));
    // Node's agent drops a kept-alive socket 1 s before the server's advertised timeout: at 1 s, every
    // call opened a new connection, which the real Bot API does not make clients do.
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.apiRoot;
  }

  get apiRoot(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Queues updates for long polling. */
  pushUpdate(...updates: Update[]): void {
    this.queue.push(...updates);
    for (const w of [...this.waiters]) w();
  }

  /** The next `count` calls of `method` fail as described. */
  failNext(method: string, count: number, failure: FakeFailure): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < count; i++) list.push(failure);
    this.failures.set(method, list);
  }

  callsOf(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** sendMessage calls to one chat. */
  messagesTo(chatId: number | string): FakeCall[] {
    return this.callsOf('sendMessage').filter((c) => String(c.payload.chat_id) === String(chatId));
  }

  /** Resolves once `predicate` holds (polled), or rejects after `timeoutMs`. */
  async waitUntil(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`fake Telegram: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Forgets recorded calls (between benchmark phases). */
  resetCalls(): void {
    this.calls.length = 0;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? '');
    const payload = await readPayload(req).catch(() => null);
    if (!match) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match;
    if (token !== this.token) return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    if (payload === null) return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid request body' });
    this.calls.push({ method, payload, at: Date.now() });
    const failure = this.failures.get(method)?.shift();
    if (failure && failure.kind !== 'ok') return this.fail(res, failure);
    try {
      const result = await this.answer(method, payload, req);
      if (result instanceof ApiFailure) return send(res, result.code, { ok: false, error_code: result.code, description: result.description });
      send(res, 200, { ok: true, result });
    } catch (err) {
      send(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${(err as Error).message}` });
    }
  }

  private fail(res: ServerResponse, failure: FakeFailure): void {
    switch (failure.kind) {
      case 'rate_limited':
        return send(res, 429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${failure.retryAfter}`, parameters: { retry_after: failure.retryAfter } });
      case 'server_error':
        return send(res, failure.status ?? 502, { ok: false, error_code: failure.status ?? 502, description: 'Bad Gateway' });
      case 'blocked':
        return send(res, 403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
      case 'chat_not_found':
        return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
      case 'drop':
        res.socket?.destroy();
    }
  }

  private async answer(method: string, p: Record<string, unknown>, req: IncomingMessage): Promise<unknown> {
    switch (method) {
      case 'getMe':
        return BOT;
      case 'sendMessage':
        return this.sendMessage(p);
      case 'answerCallbackQuery':
      case 'sendChatAction':
      case 'deleteWebhook':
        if (method === 'deleteWebhook') this.webhook = null;
        return true;
      case 'editMessageReplyMarkup':
        return { message_id: Number(p.message_id), date: now(), chat: { id: Number(p.chat_id), type: 'private' }, reply_markup: p.reply_markup };
      case 'setWebhook':
        if (typeof p.url !== 'string' || !p.url) return new ApiFailure(400, 'Bad Request: bad webhook: An HTTP URL must be provided for webhook');
        this.webhook = { url: p.url, secret: p.secret_token as string | undefined, ...(p.max_connections === undefined ? {} : { maxConnections: Number(p.max_connections) }) };
        return true;
      case 'getWebhookInfo':
        return { url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.queue.length };
      case 'getUpdates':
        return this.getUpdates(p, req);
      default:
        return new ApiFailure(404, 'Not Found');
    }
  }

  private sendMessage(p: Record<string, unknown>): unknown {
    const text = typeof p.text === 'string' ? p.text : '';
    if (!p.chat_id) return new ApiFailure(400, 'Bad Request: chat_id is empty');
    if (!text.trim()) return new ApiFailure(400, 'Bad Request: message text is empty');
    if (text.length > 4096) return new ApiFailure(400, 'Bad Request: message is too long');
    const markup = p.reply_markup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined;
    for (const b of markup?.inline_keyboard?.flat() ?? []) {
      if (b.callback_data !== undefined && Buffer.byteLength(b.callback_data) > 64) return new ApiFailure(400, 'Bad Request: BUTTON_DATA_INVALID');
    }
    return { message_id: this.nextMessageId++, date: now(), chat: { id: Number(p.chat_id), type: 'private' }, text, ...(markup ? { reply_markup: markup } : {}) };
  }

  private async getUpdates(p: Record<string, unknown>, req: IncomingMessage): Promise<unknown> {
    if (this.webhook) return new ApiFailure(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    const offset = Number(p.offset ?? 0);
    if (offset > this.confirmedOffset) this.confirmedOffset = offset;
    this.queue = this.queue.filter((u) => u.update_id >= this.confirmedOffset);
    const limit = Math.min(100, Number(p.limit ?? 100));
    const timeoutMs = Math.min(Number(p.timeout ?? 0), 50) * 1000;
    if (this.queue.length === 0 && timeoutMs > 0) await this.waitForUpdate(timeoutMs, req);
    return [...this.queue].sort((a, b) => a.update_id - b.update_id).slice(0, limit);
  }

  private waitForUpdate(timeoutMs: number, req: IncomingMessage): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      req.once('close', done);
    });
  }
}

class ApiFailure {
  constructor(
    readonly code: number,
    readonly description: string,
  ) {}
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readPayload(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
  const type = req.headers['content-type'] ?? '';
  if (!raw) return query;
  if (type.includes('application/json')) return { ...query, ...(JSON.parse(raw) as Record<string, unknown>) };
  if (type.includes('application/x-www-form-urlencoded')) {
    // Form fields holding JSON (reply_markup) are decoded like the Bot API does.
    const form = Object.fromEntries(new URLSearchParams(raw));
    const parsed: Record<string, unknown> = { ...form };
    for (const [k, v] of Object.entries(form)) if (/^[[{]/.test(v)) parsed[k] = tryJson(v);
    return { ...query, ...parsed };
  }
  throw new Error(`unsupported content type ${type}`);
}

function tryJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
