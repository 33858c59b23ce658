import { createHash } from 'node:crypto';
import { Telegraf, type Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import { isAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Locale, OutboundMessage } from '../../core/message.js';
import type { ChannelAdapter, InboundHandler, Pace, SendResult } from '../channel-adapter.js';
import { describeError, toDeliveryError } from './telegram-errors.js';
import { backoffMs, UpdatePoller } from './telegram-polling.js';
import { CallbackDataStore, renderMessage, type SharedKeys } from './telegram-render.js';
import { normaliseUpdate } from './telegram-update.js';

/** Telegram's documented limits: about one message a second per chat, 30 a second overall. */
export const TELEGRAM_PACING: { perChat: Pace; global: Pace } = { perChat: { points: 1, durationMs: 1000 }, global: { points: 30, durationMs: 1000 } };

const ALLOWED_UPDATES = ['message', 'callback_query'];

export interface TelegramAdapterOptions {
  token: string;
  /** Bot API root (a fake in tests); Telegram's own when unset. */
  apiRoot?: string;
  mode: 'polling' | 'webhook';
  /** Full public URL of `POST /telegram/webhook` (webhook mode). */
  webhookUrl?: string;
  webhookSecret?: string;
  /** Updates Telegram keeps in flight to the webhook at once (its `max_connections`, 1-100; Telegram's default 40). */
  webhookMaxConnections?: number;
  handle: InboundHandler;
  log: Logger;
  /** The sender's pace for this channel; `null` turns pacing off (benchmarks against a fake). */
  pacing?: ChannelAdapter['pacing'] | null;
  /** getUpdates long-poll time-out in seconds (default 25). */
  pollTimeoutSec?: number;
  /** Time-out of one Bot API call other than getUpdates (default 15 s). */
  callTimeoutMs?: number;
  /** Shared keys (the coordination store) for long button payloads, so any instance resolves a press. */
  shared?: SharedKeys;
}

const SPLIT_PREFIX = 'tg:split:';
/** Longer than the outbox keeps retrying a message. */
const SPLIT_TTL_MS = 24 * 3600_000;

export type UpdateOutcome = 'processed' | 'duplicate' | 'held' | 'ignored';

type CallOptions = NonNullable<Parameters<Telegram['callApi']>[2]>;

/**
 * The Telegram channel over telegraf: receives updates by long polling or webhook, normalises
 * private-chat messages and button presses for the pipeline, and sends replies with inline
 * keyboards. Connecting (getMe, then setWebhook or deleteWebhook) retries in the background with
 * back-off, so an unreachable Bot API never blocks start-up; `health()` says what is down.
 */
export class TelegramAdapter implements ChannelAdapter {
  readonly id = 'telegram';
  readonly inline = false;
  readonly pacing?: ChannelAdapter['pacing'];
  readonly bot: Telegraf;
  private readonly callbacks: CallbackDataStore;
  private readonly toldGroups = new Set<number>();
  /** Parts of a split message already delivered, so a retry does not repeat them. */
  private readonly progress = new Map<string, number>();
  private readonly stopping = new AbortController();
  private poller: UpdatePoller | null = null;
  private connecting: Promise<void> | null = null;
  private connected = false;
  private problem: string | undefined = 'not started';
  private username: string | undefined;

  constructor(private readonly options: TelegramAdapterOptions) {
    this.callbacks = new CallbackDataStore(10_000, options.shared);
    this.pacing = options.pacing === null ? undefined : (options.pacing ?? TELEGRAM_PACING);
    this.bot = new Telegraf(options.token, { telegram: { apiRoot: options.apiRoot ?? 'https://api.telegram.org', webhookReply: false } });
  }

  /** Connects in the background; waits at most a few seconds for the first attempt, never throws for an outage. */
  async start(): Promise<void> {
    this.connecting ??= this.connect();
    await Promise.race([this.connecting, delay(3000, this.stopping.signal)]);
  }

  /** Resolves once connected (or stopped): tests and readiness waits. */
  whenConnected(): Promise<void> {
    return this.connecting ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.poller?.stop();
    await this.connecting;
  }

  health(): { ok: boolean; detail?: string } {
    if (this.problem) return { ok: false, detail: this.problem };
    return { ok: this.connected, detail: `@${this.username ?? '?'} via ${this.options.mode}` };
  }

  /** Handles one update (webhook or polling); resolves once the turn is committed, throws to have it re-sent. */
  async handleUpdate(update: Update): Promise<UpdateOutcome> {
    // Updates come from the network: anything may be of the wrong type here (the fuzz suite sends such).
    const data = (update as { callback_query?: { data?: unknown } }).callback_query?.data;
    if (typeof data === 'string') await this.callbacks.load(data);
    const n = normaliseUpdate(update, this.callbacks);
    if (n.kind === 'ignore') return 'ignored';
    if (n.kind === 'group') {
      await this.tellGroup(n.chatId, n.locale);
      return 'ignored';
    }
    // The spinner on the pressed button stops right away, whatever the turn takes.
    const answering = n.kind === 'callback' ? this.answerCallback(n.queryId, !n.message) : Promise.resolve();
    try {
      if (!n.message) return 'ignored';
      const result = await this.options.handle(n.message);
      return result.status;
    } catch (err) {
      // A message the pipeline refuses (too long, empty) would be refused again: drop it, do not retry.
      if (isAppError(err) && err.status < 500) {
        this.options.log.warn({ err, update: update.update_id }, 'telegram update refused by the pipeline; skipped');
        return 'ignored';
      }
      throw err;
    } finally {
      await answering;
    }
  }

  async send(conversation: string, message: OutboundMessage): Promise<SendResult> {
    const parts = renderMessage(message, this.callbacks);
    // Long button payloads are shared before the buttons exist anywhere a customer could press them.
    await this.callbacks.flush();
    const key = parts.length > 1 ? `${conversation}:${createHash('sha1').update(JSON.stringify(message)).digest('base64url')}` : '';
    let lastId: number | undefined;
    for (let i = key ? await this.partsDone(key) : 0; i < parts.length; i++) {
      try {
        const sent = await this.call('sendMessage', { chat_id: chatId(conversation), ...parts[i] });
        lastId = sent.message_id;
      } catch (err) {
        throw toDeliveryError(err, `telegram sendMessage to chat ${conversation}${parts.length > 1 ? ` (part ${i + 1}/${parts.length})` : ''}`);
      }
      if (i < parts.length - 1) await this.rememberProgress(key, i + 1);
    }
    if (key) await this.forgetProgress(key);
    return lastId === undefined ? {} : { platformMessageId: String(lastId) };
  }

  /**
   * Parts of a split message already delivered: kept here and, with a shared store, there too, so a
   * retry on another instance or after a restart (Redis) carries on instead of repeating them. The
   * shared copy is best effort: if it cannot be written, a retry elsewhere repeats parts (at least
   * once), it never loses one.
   */
  private async partsDone(key: string): Promise<number> {
    const local = this.progress.get(key);
    if (local !== undefined || !this.options.shared) return local ?? 0;
    const shared = await this.options.shared.get(`${SPLIT_PREFIX}${key}`).catch(() => null);
    return Number(shared) || 0;
  }

  private async rememberProgress(key: string, done: number): Promise<void> {
    this.progress.set(key, done);
    if (this.progress.size > 1000) this.progress.delete(this.progress.keys().next().value!);
    await this.options.shared?.set(`${SPLIT_PREFIX}${key}`, String(done), SPLIT_TTL_MS).catch((err: unknown) => {
      this.options.log.warn({ err }, 'telegram: could not share the progress of a split message');
    });
  }

  private async forgetProgress(key: string): Promise<void> {
    this.progress.delete(key);
    await this.options.shared?.delete(`${SPLIT_PREFIX}${key}`).catch(() => {});
  }

  /** getMe, then the receiving side; retried with back-off until it works or the adapter stops. */
  private async connect(): Promise<void> {
    for (let attempt = 0; !this.stopping.signal.aborted; attempt++) {
      let step = 'getMe';
      try {
        const me = await this.call('getMe', {});
        this.bot.botInfo = me;
        this.username = me.username;
        step = this.options.mode === 'webhook' ? 'setWebhook' : 'deleteWebhook';
        await this.receive();
        this.connected = true;
        this.problem = undefined;
        this.options.log.info({ bot: me.username, mode: this.options.mode }, 'telegram connected');
        break;
      } catch (err) {
        if (this.stopping.signal.aborted) break;
        const wait = backoffMs(attempt + 1);
        this.problem = `${step} failed: ${describeError(err)}; retrying in ${Math.round(wait / 1000)} s`;
        this.options.log.warn({ channel: 'telegram', step, reason: describeError(err) }, 'telegram not reachable; retrying');
        await delay(wait, this.stopping.signal);
      }
    }
    if (this.connected && this.options.mode === 'polling' && !this.stopping.signal.aborted) this.startPolling();
  }

  private async receive(): Promise<void> {
    if (this.options.mode === 'webhook') {
      await this.call('setWebhook', {
        url: this.options.webhookUrl!, secret_token: this.options.webhookSecret, allowed_updates: ALLOWED_UPDATES as never, drop_pending_updates: false,
        // Stated rather than left to Telegram's default: it bounds how many updates wait on turns at once.
        max_connections: this.options.webhookMaxConnections ?? 40,
      });
    } else {
      // Telegram refuses getUpdates while a webhook is set; pending updates are kept.
      await this.call('deleteWebhook', { drop_pending_updates: false });
    }
  }

  private startPolling(): void {
    this.poller = new UpdatePoller(this.bot.telegram, {
      timeoutSec: this.options.pollTimeoutSec ?? 25,
      allowedUpdates: ALLOWED_UPDATES,
      handle: async (u) => void (await this.handleUpdate(u)),
      onOk: () => {
        if (this.problem?.startsWith('polling')) this.problem = undefined;
      },
      onError: (err, phase) => {
        if (phase === 'getUpdates') this.problem = `polling failed: ${describeError(err)}`;
        this.options.log.warn({ err: phase === 'handle' ? err : undefined, reason: describeError(err), phase }, 'telegram polling error; the update will be served again');
      },
    });
    this.poller.start();
  }

  private async answerCallback(queryId: string, expired: boolean): Promise<void> {
    const text = expired ? 'This button has expired. Please type your request instead.' : undefined;
    // A re-sent update's query may be too old to answer (400): harmless.
    await this.call('answerCallbackQuery', { callback_query_id: queryId, ...(text ? { text } : {}) }).catch((err) =>
      this.options.log.debug({ reason: describeError(err) }, 'answerCallbackQuery failed'),
    );
  }

  /** One short note per group: the bot only talks in private chats (no pipeline turn). */
  private async tellGroup(chat: number, locale: Locale | undefined): Promise<void> {
    if (this.toldGroups.has(chat)) return;
    this.toldGroups.add(chat);
    if (this.toldGroups.size > 10_000) this.toldGroups.delete(this.toldGroups.values().next().value!);
    const link = this.username ? ` https://t.me/${this.username}` : '';
    const text = locale === 'zh-CN' ? `我只在私聊中回复，请私信我：${link}` : `I only chat in private messages. Please message me directly:${link}`;
    await this.call('sendMessage', { chat_id: chat, text }).catch((err) => this.options.log.debug({ reason: describeError(err) }, 'group notice failed'));
  }

  /** A Bot API call with a time-out that also ends when the adapter stops. */
  private call<M extends Parameters<Telegram['callApi']>[0]>(method: M, payload: Parameters<Telegram['callApi']>[1] & object, timeoutMs = this.options.callTimeoutMs ?? 15_000) {
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(timeoutMs)]);
    return this.bot.telegram.callApi(method as M, payload as never, { signal: signal as unknown as CallOptions['signal'] });
  }
}

function chatId(conversation: string): number | string {
  return /^-?\d+$/.test(conversation) ? Number(conversation) : conversation;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
