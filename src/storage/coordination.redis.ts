/**
 * Redis-backed coordination shared by every app instance (used when `REDIS_URL` is set).
 * Keys, lock names and pub/sub channels all live under one prefix so tenants and tests can share
 * a server without seeing each other.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { sleep } from '../core/clock.js';
import { AppError, isAppError } from '../core/errors.js';
import type { Coordination, LockHandle, RateLimitResult, Unsubscribe } from './coordination.js';
import { DEFAULT_CLAIM_TTL_MS, toRateLimitResult, windowSeconds } from './coordination.memory.js';

/** Deletes the lock only when it still holds our token, so a holder whose TTL ran out cannot free a successor's lock. */
const RELEASE_LOCK_LUA = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

// nextPaceSlot (coordination.ts) on the server's clock, so instances with skewed clocks share one schedule.
const TAKE_PACE_SLOT_LUA = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local spacing, slack = tonumber(ARGV[1]), tonumber(ARGV[2])
local next = tonumber(redis.call('get', KEYS[1]))
if next and now < next then return next - now end
local after = math.max(next or 0, now - slack) + spacing
redis.call('set', KEYS[1], after, 'PX', after - now + slack)
return 0`;

/** Options for {@link RedisCoordination}. */
export interface RedisCoordinationOptions {
  /** Prepended to every key and channel (default `patron:`). */
  keyPrefix?: string;
  /** Fail a command that gets no answer within this time (default 2000 ms), so an outage surfaces fast. */
  commandTimeoutMs?: number;
  /** Shows up in `CLIENT LIST`; the subscriber connection gets a `:sub` suffix. */
  connectionName?: string;
  /** Receives connection errors (deduplicated) and pub/sub handler failures. */
  onError?: (err: unknown, context: string) => void;
}

type Handler = (message: string) => void;

interface ChannelState {
  handlers: Set<Handler>;
  /** Settles when Redis has confirmed SUBSCRIBE; every subscriber of the channel awaits it. */
  ready: Promise<unknown>;
}

/** Reconnect forever with capped, jittered exponential backoff: Redis coming back must heal us without a restart. */
function retryDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt, 6), 2000) + Math.floor(Math.random() * 100);
}

/** Small jittered pause between lock attempts; grows so a long wait does not hammer Redis. */
function lockPollDelay(attempt: number): number {
  return Math.min(5 * 2 ** attempt, 50) * (0.5 + Math.random());
}

function positiveMs(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}

function baseOptions(options: RedisCoordinationOptions): RedisOptions {
  return {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    retryStrategy: retryDelay,
    connectionName: options.connectionName,
  };
}

/** {@link Coordination} over a Redis server through ioredis. */
export class RedisCoordination implements Coordination {
  readonly kind = 'redis' as const;
  readonly keyPrefix: string;
  private readonly client: Redis;
  private subscriber: Redis | undefined;
  private subscriberReady: Promise<Redis> | undefined;
  private readonly channels = new Map<string, ChannelState>();
  private readonly limiters = new Map<string, RateLimiterRedis>();
  private readonly onError: (err: unknown, context: string) => void;
  private lastErrorMessage = '';

  /** Creates the client without connecting; prefer {@link RedisCoordination.connect}. */
  constructor(connection: string | RedisOptions, options: RedisCoordinationOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? 'patron:';
    this.onError = options.onError ?? ((err, context) => console.error(`redis ${context}:`, err));
    this.client =
      typeof connection === 'string'
        ? new Redis(connection, baseOptions(options))
        : new Redis({ ...connection, ...baseOptions(options) });
    this.watch(this.client, 'connection');
  }

  /**
   * Connects and resolves once Redis answered. When the first attempt fails it rejects with
   * AppError('unavailable'), unless `requireConnection` is false: then it resolves anyway and the
   * client keeps reconnecting in the background (start-up goes on; `ping()` reports the outage).
   */
  static async connect(
    url: string,
    options: RedisCoordinationOptions & { requireConnection?: boolean } = {},
  ): Promise<RedisCoordination> {
    const coordination = new RedisCoordination(url, options);
    try {
      await coordination.client.connect();
    } catch (err) {
      if (options.requireConnection === false) return coordination;
      coordination.client.disconnect();
      // ioredis rejects with a bare "Connection is closed."; the error event said why.
      const reason = coordination.lastErrorMessage || messageOf(err);
      throw new AppError('unavailable', `redis at ${redactUrl(url)} is unreachable: ${reason}`);
    }
    return coordination;
  }

  async acquireLock(key: string, ttlMs: number, waitMs = 0): Promise<LockHandle | null> {
    const redisKey = this.key(`lock:${key}`);
    const token = randomUUID();
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      const reply = await this.run('lock', () => this.client.set(redisKey, token, 'PX', positiveMs(ttlMs), 'NX'));
      if (reply === 'OK') return this.lockHandle(key, redisKey, token);
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await sleep(Math.min(left, lockPollDelay(attempt)));
    }
  }

  async withLock<T>(key: string, ttlMs: number, waitMs: number, fn: () => Promise<T>): Promise<T> {
    const lock = await this.acquireLock(key, ttlMs, waitMs);
    if (!lock) throw new AppError('unavailable', `lock ${key} is busy: not acquired within ${waitMs} ms`);
    try {
      return await fn();
    } finally {
      // The work is done; a release lost to an outage only delays the next holder until the TTL.
      await lock.release().catch((err: unknown) => this.onError(err, `release of lock ${key}`));
    }
  }

  /** Throws AppError('unavailable') at once while disconnected (rate-limiter-flexible `rejectIfRedisNotReady`). */
  async consume(key: string, points: number, durationMs: number): Promise<RateLimitResult> {
    const limiter = this.limiter(points, durationMs);
    try {
      return toRateLimitResult(await limiter.consume(key), true);
    } catch (err) {
      if (err instanceof RateLimiterRes) return toRateLimitResult(err, false);
      throw new AppError('unavailable', `redis rate limit for ${key} failed: ${messageOf(err)}`);
    }
  }

  async set(key: string, value: string, ttlMs: number, onlyIfAbsent = false): Promise<boolean> {
    const redisKey = this.key(key);
    const ttl = positiveMs(ttlMs);
    const reply = await this.run('set', () =>
      onlyIfAbsent ? this.client.set(redisKey, value, 'PX', ttl, 'NX') : this.client.set(redisKey, value, 'PX', ttl),
    );
    return reply === 'OK';
  }

  async get(key: string): Promise<string | null> {
    return this.run('get', () => this.client.get(this.key(key)));
  }

  async takePaceSlot(key: string, spacingMs: number, slackMs: number): Promise<number> {
    const wait = await this.run('pace', () => this.client.eval(TAKE_PACE_SLOT_LUA, 1, this.key(key), Math.ceil(spacingMs), Math.max(0, Math.floor(slackMs))));
    return Number(wait);
  }

  async delete(key: string): Promise<void> {
    await this.run('delete', () => this.client.del(this.key(key)));
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.run('publish', () => this.client.publish(this.key(`ch:${channel}`), message));
  }

  async subscribe(channel: string, handler: Handler): Promise<Unsubscribe> {
    const redisChannel = this.key(`ch:${channel}`);
    const subscriber = await this.run('subscribe', () => this.subscriberConnection());
    // Wrap so the same function subscribed twice counts twice, as with an EventEmitter.
    const entry: Handler = (message) => handler(message);
    let state = this.channels.get(redisChannel);
    if (!state) {
      state = { handlers: new Set(), ready: subscriber.subscribe(redisChannel) };
      this.channels.set(redisChannel, state);
    }
    state.handlers.add(entry);
    try {
      await this.run('subscribe', () => state.ready);
    } catch (err) {
      await this.removeHandler(redisChannel, entry);
      throw err;
    }
    return () => this.removeHandler(redisChannel, entry);
  }

  async claimRun(job: string, fireAt: Date, ttlMs = DEFAULT_CLAIM_TTL_MS): Promise<boolean> {
    return this.set(`cron:${job}:${fireAt.toISOString()}`, '1', ttlMs, true);
  }

  async ping(): Promise<boolean> {
    // Not connected right now: say so at once instead of queueing a PING behind the reconnect.
    if (this.client.status !== 'ready') return false;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.channels.clear();
    this.limiters.clear();
    const connections = [this.client, this.subscriber].filter((c): c is Redis => c !== undefined);
    this.subscriber = undefined;
    this.subscriberReady = undefined;
    await Promise.all(connections.map((c) => closeConnection(c)));
  }

  private key(name: string): string {
    return `${this.keyPrefix}${name}`;
  }

  private lockHandle(key: string, redisKey: string, token: string): LockHandle {
    let released = false;
    return {
      key,
      release: async () => {
        if (released) return;
        await this.run('unlock', () => this.client.eval(RELEASE_LOCK_LUA, 1, redisKey, token));
        released = true;
      },
    };
  }

  private limiter(points: number, durationMs: number): RateLimiterRedis {
    const duration = windowSeconds(durationMs);
    const id = `${points}:${duration}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.client,
        // ioredis, not node-redis: rate-limiter-flexible must use ioredis call conventions.
        useRedisPackage: false,
        // Refuse at once while disconnected rather than waiting for the command timeout.
        rejectIfRedisNotReady: true,
        points,
        duration,
        keyPrefix: this.key(`rl:${id}`),
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  /** Lazily opens the subscriber connection: a connection in subscribe mode cannot run other commands. */
  private subscriberConnection(): Promise<Redis> {
    if (!this.subscriberReady) {
      const name = this.client.options.connectionName;
      const subscriber = this.client.duplicate({ connectionName: name ? `${name}:sub` : undefined });
      this.watch(subscriber, 'subscriber');
      subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
      this.subscriber = subscriber;
      this.subscriberReady = subscriber.connect().then(
        () => subscriber,
        (err: unknown) => {
          this.subscriber = undefined;
          this.subscriberReady = undefined;
          subscriber.disconnect();
          throw err;
        },
      );
    }
    return this.subscriberReady;
  }

  private dispatch(channel: string, message: string): void {
    const state = this.channels.get(channel);
    if (!state) return;
    for (const handler of state.handlers) {
      try {
        handler(message);
      } catch (err) {
        this.onError(err, `subscriber of ${channel}`);
      }
    }
  }

  private async removeHandler(channel: string, handler: Handler): Promise<void> {
    const state = this.channels.get(channel);
    if (!state || !state.handlers.delete(handler) || state.handlers.size > 0) return;
    this.channels.delete(channel);
    // A later subscribe to the same channel sends SUBSCRIBE after this UNSUBSCRIBE on the same
    // connection, so the order on the wire keeps it subscribed.
    if (this.subscriber?.status === 'ready') await this.run('unsubscribe', () => this.subscriber!.unsubscribe(channel));
  }

  /** Reports each distinct connection error once per outage instead of once per retry. */
  private watch(connection: Redis, context: string): void {
    connection.on('error', (err: unknown) => {
      const message = `${context}: ${messageOf(err)}`;
      if (message === this.lastErrorMessage) return;
      this.lastErrorMessage = message;
      this.onError(err, context);
    });
    connection.on('ready', () => {
      this.lastErrorMessage = '';
    });
  }

  private async run<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isAppError(err)) throw err;
      const wrapped = new AppError('unavailable', `redis ${op} failed: ${messageOf(err)}`);
      wrapped.cause = err;
      throw wrapped;
    }
  }
}

async function closeConnection(connection: Redis): Promise<void> {
  // QUIT on a dead connection would wait for a reconnect that may never come.
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Hides a password in a connection URL before it reaches a log line or an error message. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}
