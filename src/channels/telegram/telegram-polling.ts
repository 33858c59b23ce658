import type { Telegram } from 'telegraf';
import type { Update } from 'telegraf/types';
import { retryAfterSeconds } from './telegram-errors.js';

export interface PollerOptions {
  /** Long-poll time-out Telegram holds a getUpdates request open (seconds). */
  timeoutSec: number;
  allowedUpdates: string[];
  /** Handles one update; resolves once it is committed (or deliberately skipped), rejects to have it re-served. */
  handle(update: Update): Promise<void>;
  onOk(): void;
  onError(err: unknown, phase: 'getUpdates' | 'handle'): void;
}

type CallOptions = NonNullable<Parameters<Telegram['callApi']>[2]>;

/**
 * Long polling with at-least-once handling: the offset sent to Telegram (which confirms and drops
 * every update below it) only moves past an update once `handle` resolved for it, so a crash or a
 * failed commit leaves the update to be served again; the pipeline's dedupe absorbs the repeats.
 * Updates of one chat are handled in order, different chats in parallel.
 */
export class UpdatePoller {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private offset = 0;

  constructor(
    private readonly telegram: Telegram,
    private readonly options: PollerOptions,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends polling promptly: the pending long poll is aborted; an update being handled is finished. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let updates: Update[];
      try {
        updates = await this.telegram.callApi(
          'getUpdates',
          { offset: this.offset, timeout: this.options.timeoutSec, allowed_updates: this.options.allowedUpdates as never },
          { signal: this.abort.signal as unknown as CallOptions['signal'] },
        );
        failures = 0;
        this.options.onOk();
      } catch (err) {
        if (this.stopped) return;
        this.options.onError(err, 'getUpdates');
        const told = retryAfterSeconds(err);
        await this.sleep(told !== undefined ? told * 1000 : backoffMs(failures++));
        continue;
      }
      if (updates.length === 0) continue;
      const failed = await this.handleBatch(updates);
      if (failed === undefined) {
        this.offset = updates[updates.length - 1].update_id + 1;
        failures = 0;
      } else {
        // Everything from the first failure on is served again (already committed ones are duplicates).
        this.offset = failed;
        await this.sleep(backoffMs(failures++));
      }
    }
  }

  /** Handles a batch; returns the lowest update_id that failed, if any. */
  private async handleBatch(updates: Update[]): Promise<number | undefined> {
    const byChat = new Map<string, Update[]>();
    for (const u of updates) {
      const key = chatKey(u);
      byChat.set(key, [...(byChat.get(key) ?? []), u]);
    }
    const failures = await Promise.all(
      [...byChat.values()].map(async (list) => {
        for (const u of list) {
          try {
            await this.options.handle(u);
          } catch (err) {
            this.options.onError(err, 'handle');
            return u.update_id; // later updates of this chat wait, to keep their order
          }
        }
        return undefined;
      }),
    );
    const failed = failures.filter((f): f is number => f !== undefined);
    return failed.length ? Math.min(...failed) : undefined;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.abort.signal.addEventListener('abort', done);
    });
  }
}

/** Exponential back-off with jitter, 0.5 s doubling up to 30 s. */
export function backoffMs(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
}

function chatKey(u: Update): string {
  if ('message' in u && u.message) return `c${u.message.chat.id}`;
  if ('callback_query' in u && u.callback_query) return `c${u.callback_query.message?.chat.id ?? u.callback_query.from.id}`;
  return `u${u.update_id}`;
}
