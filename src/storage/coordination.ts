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
  /** Milliseconds until `key` expires; 0 when it does not exist (or has no expiry). */
  ttl(key: string): Promise<number>;
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
