/**
 * In-process coordination for a single app instance (the embedded default, no Redis).
 * Same contract as the Redis implementation, but nothing is shared between processes.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../core/errors.js';
import { nextPaceSlot, type Coordination, type LockHandle, type RateLimitResult, type Unsubscribe } from './coordination.js';

/** How long a cron claim is remembered when the caller does not say (a day covers any schedule drift). */
export const DEFAULT_CLAIM_TTL_MS = 24 * 60 * 60 * 1000;

interface HeldLock {
  token: string;
  expiry: NodeJS.Timeout;
}

interface Waiter {
  /** Settles the waiting acquireLock: a handle when granted, null on timeout or close. */
  settle: (lock: LockHandle | null) => void;
  timeout: NodeJS.Timeout;
  ttlMs: number;
}

interface StoredValue {
  value: string;
  expiry: NodeJS.Timeout;
  expiresAt: number;
}

/** Options for {@link MemoryCoordination}. */
export interface MemoryCoordinationOptions {
  /** Called when a pub/sub handler throws; a faulty subscriber must not break publishers. */
  onHandlerError?: (err: unknown, channel: string) => void;
}

/**
 * Rate-limiter-flexible counts windows in whole seconds (the Redis store even floors them), so
 * both implementations round a window up to whole seconds to behave the same.
 */
export function windowSeconds(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs / 1000));
}

/** Maps a rate-limiter-flexible outcome (resolved or rejected RateLimiterRes) to our result shape. */
export function toRateLimitResult(res: RateLimiterRes, allowed: boolean): RateLimitResult {
  return {
    allowed,
    retryAfterMs: allowed ? 0 : Math.max(1, Math.ceil(res.msBeforeNext)),
    remaining: Math.max(0, res.remainingPoints),
  };
}

/** Timers here only bound waits and expiries; they must never keep the process alive on their own. */
function unrefTimer(fn: () => void, ms: number): NodeJS.Timeout {
  const timer = setTimeout(fn, Math.max(0, ms));
  timer.unref();
  return timer;
}

/** {@link Coordination} held in this process's memory. */
export class MemoryCoordination implements Coordination {
  readonly kind = 'memory' as const;
  private readonly locks = new Map<string, HeldLock>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly values = new Map<string, StoredValue>();
  private readonly limiters = new Map<string, RateLimiterMemory>();
  private readonly bus = new EventEmitter();
  private readonly onHandlerError: (err: unknown, channel: string) => void;
  private closed = false;

  constructor(options: MemoryCoordinationOptions = {}) {
    // Many conversations subscribe at once; the default cap of 10 would print false leak warnings.
    this.bus.setMaxListeners(0);
    this.onHandlerError =
      options.onHandlerError ?? ((err, channel) => console.error(`subscriber of ${channel} failed`, err));
  }

  async acquireLock(key: string, ttlMs: number, waitMs = 0): Promise<LockHandle | null> {
    this.assertOpen();
    if (!this.locks.has(key)) return this.grant(key, ttlMs);
    if (waitMs <= 0) return null;
    return new Promise<LockHandle | null>((resolve) => {
      const queue = this.waiters.get(key) ?? [];
      const waiter: Waiter = {
        ttlMs,
        settle: resolve,
        timeout: unrefTimer(() => {
          this.removeWaiter(key, waiter);
          resolve(null);
        }, waitMs),
      };
      queue.push(waiter);
      this.waiters.set(key, queue);
    });
  }

  async withLock<T>(key: string, ttlMs: number, waitMs: number, fn: () => Promise<T>): Promise<T> {
    const lock = await this.acquireLock(key, ttlMs, waitMs);
    if (!lock) throw new AppError('unavailable', `lock ${key} is busy: not acquired within ${waitMs} ms`);
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }

  async consume(key: string, points: number, durationMs: number): Promise<RateLimitResult> {
    this.assertOpen();
    const limiter = this.limiter(points, durationMs);
    try {
      return toRateLimitResult(await limiter.consume(key), true);
    } catch (err) {
      if (err instanceof RateLimiterRes) return toRateLimitResult(err, false);
      throw err;
    }
  }

  async set(key: string, value: string, ttlMs: number, onlyIfAbsent = false): Promise<boolean> {
    this.assertOpen();
    const existing = this.live(key);
    if (existing && onlyIfAbsent) return false;
    if (existing) clearTimeout(existing.expiry);
    const expiry = unrefTimer(() => {
      if (this.values.get(key)?.expiry === expiry) this.values.delete(key);
    }, ttlMs);
    this.values.set(key, { value, expiry, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async get(key: string): Promise<string | null> {
    this.assertOpen();
    return this.live(key)?.value ?? null;
  }

  /**
   * The value unless its time is up: expiry is exact to the millisecond, as on Redis, rather than
   * waiting for the clean-up timer, which fires late on a busy event loop (before, a key could refuse
   * `set NX` well after its TTL).
   */
  private live(key: string): StoredValue | undefined {
    const stored = this.values.get(key);
    if (!stored || stored.expiresAt > Date.now()) return stored;
    clearTimeout(stored.expiry);
    this.values.delete(key);
    return undefined;
  }

  async takePaceSlot(key: string, spacingMs: number, slackMs: number): Promise<number> {
    this.assertOpen();
    const now = Date.now();
    const stored = Number(this.live(key)?.value);
    const next = Number.isFinite(stored) ? stored : null;
    if (next !== null && now < next) return next - now;
    const after = nextPaceSlot(next, now, spacingMs, slackMs);
    await this.set(key, String(after), after - now + slackMs);
    return 0;
  }

  async delete(key: string): Promise<void> {
    this.assertOpen();
    const existing = this.values.get(key);
    if (existing) clearTimeout(existing.expiry);
    this.values.delete(key);
  }

  async publish(channel: string, message: string): Promise<void> {
    this.assertOpen();
    // Deliver on a later tick, like Redis would: a publisher never runs subscriber code inline.
    setImmediate(() => this.bus.emit(channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    this.assertOpen();
    const listener = (message: string): void => {
      try {
        handler(message);
      } catch (err) {
        this.onHandlerError(err, channel);
      }
    };
    this.bus.on(channel, listener);
    return async () => {
      this.bus.off(channel, listener);
    };
  }

  async claimRun(job: string, fireAt: Date, ttlMs = DEFAULT_CLAIM_TTL_MS): Promise<boolean> {
    return this.set(`cron:${job}:${fireAt.toISOString()}`, '1', ttlMs, true);
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const lock of this.locks.values()) clearTimeout(lock.expiry);
    // Nobody may wait forever on a closed instance: pending acquirers get null.
    for (const queue of this.waiters.values()) {
      for (const waiter of queue) {
        clearTimeout(waiter.timeout);
        waiter.settle(null);
      }
    }
    for (const stored of this.values.values()) clearTimeout(stored.expiry);
    this.locks.clear();
    this.waiters.clear();
    this.values.clear();
    this.limiters.clear();
    this.bus.removeAllListeners();
  }

  private grant(key: string, ttlMs: number): LockHandle {
    const token = randomUUID();
    this.take(key, token, ttlMs);
    return this.handle(key, token);
  }

  private take(key: string, token: string, ttlMs: number): void {
    // The TTL frees the lock of a holder that never releases (crashed flow, lost promise).
    const expiry = unrefTimer(() => this.free(key, token), ttlMs);
    this.locks.set(key, { token, expiry });
  }

  private handle(key: string, token: string): LockHandle {
    return { key, release: async () => this.free(key, token) };
  }

  /** Frees `key` if `token` still holds it, then hands it to the longest waiter (FIFO). */
  private free(key: string, token: string): void {
    const held = this.locks.get(key);
    if (!held || held.token !== token) return;
    clearTimeout(held.expiry);
    this.locks.delete(key);
    const queue = this.waiters.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.waiters.delete(key);
    if (!next) return;
    clearTimeout(next.timeout);
    const nextToken = randomUUID();
    this.take(key, nextToken, next.ttlMs);
    next.settle(this.handle(key, nextToken));
  }

  private removeWaiter(key: string, waiter: Waiter): void {
    const queue = this.waiters.get(key);
    if (!queue) return;
    const index = queue.indexOf(waiter);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.waiters.delete(key);
  }

  private limiter(points: number, durationMs: number): RateLimiterMemory {
    const duration = windowSeconds(durationMs);
    const id = `${points}:${duration}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterMemory({ points, duration, keyPrefix: `rl:${id}` });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('unavailable', 'coordination is closed');
  }
}
