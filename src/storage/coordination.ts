/**
 * Coordination between app instances: locks, rate limits, short-lived keys, pub/sub and cron
 * election. In-process when running alone (embedded default), Redis when `REDIS_URL` is set.
 * Both implementations pass the same contract suite (test/integration/coordination.contract.ts).
 */

/** A held lock; release is idempotent and only frees the lock if this holder still owns it. */
export interface LockHandle {
  readonly key: string;
  release(): Promise<void>;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Milliseconds until the next point is available (0 when allowed). */
  retryAfterMs: number;
  remaining: number;
}

export type Unsubscribe = () => Promise<void>;

export interface Coordination {
  readonly kind: 'memory' | 'redis';
  /**
   * Waits up to `waitMs` for an exclusive lock on `key`, held for at most `ttlMs` (so a crashed
   * holder cannot block forever). Resolves null when the wait runs out.
   */
  acquireLock(key: string, ttlMs: number, waitMs?: number): Promise<LockHandle | null>;
  /** Runs `fn` while holding the lock; throws AppError('unavailable') when it cannot be had in `waitMs`. */
  withLock<T>(key: string, ttlMs: number, waitMs: number, fn: () => Promise<T>): Promise<T>;
  /**
   * Consumes one point from the bucket `key` allowing `points` per `durationMs`
   * (rate-limiter-flexible semantics), shared by every instance.
   */
  consume(key: string, points: number, durationMs: number): Promise<RateLimitResult>;
  /** Sets a key with a TTL; with `onlyIfAbsent`, returns false when the key already exists. */
  set(key: string, value: string, ttlMs: number, onlyIfAbsent?: boolean): Promise<boolean>;
  get(key: string): Promise<string | null>;
  /**
   * A send slot on the schedule `key` (one slot per `spacingMs`, shared by every instance): 0 when
   * the caller has it, else the milliseconds until the next one is free. A slot taken up to
   * `slackMs` late is counted from when it was due, so lateness does not pile up into a slower
   * pace; see {@link paceSlack} for the slack that keeps every window within its limit.
   */
  takePaceSlot(key: string, spacingMs: number, slackMs: number): Promise<number>;
  delete(key: string): Promise<void>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
  /**
   * Cron election: true for exactly one caller per (`job`, `fireAt`) across all instances, so a
   * scheduled trigger fires once. The claim is remembered for `ttlMs`.
   */
  claimRun(job: string, fireAt: Date, ttlMs?: number): Promise<boolean>;
  /** Reachability check for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The next free time of a pace schedule after a slot taken at `now` (GCRA: the schedule moves on by
 * `spacingMs` from when the slot was due, or from `now - slackMs` if that is later). Consecutive
 * slots are at least `spacingMs - slackMs` apart and n + 1 slots span at least
 * `n * spacingMs - slackMs`. Shared by both stores (the Redis script does the same in Lua).
 */
export function nextPaceSlot(next: number | null, now: number, spacingMs: number, slackMs: number): number {
  return Math.max(next ?? -Infinity, now - slackMs) + spacingMs;
}

/**
 * The slack for a pace of `points` per `durationMs` with slots `spacingMs` apart: half of what
 * `points` + 1 slots spaced that far leave over `durationMs`, so no window of `durationMs` holds more
 * than `points` slots, and the sends themselves (a few ms after their slot, not always the same
 * few) stay within it too. At 30 per second (34 ms apart) 9 ms; at 1 per second, none.
 */
export function paceSlack(points: number, durationMs: number, spacingMs: number): number {
  return Math.max(0, Math.floor((points * spacingMs - durationMs - 1) / 2));
}
