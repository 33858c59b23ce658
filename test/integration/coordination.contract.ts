/**
 * The behaviour every {@link Coordination} must have, run against each implementation
 * (coordination.memory.test.ts, coordination.redis.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../../src/core/clock.js';
import { isAppError } from '../../src/core/errors.js';
import { paceSlack, type Coordination } from '../../src/storage/coordination.js';

/** How the contract may use the factory. */
export interface ContractOptions {
  /**
   * True when two instances from `factory` share state (Redis: two app instances on one server).
   * Then the concurrency tests spread their callers over two instances.
   */
  instancesShareState: boolean;
}

/**
 * Subscribes and exposes the first delivered message; `message` rejects after `timeoutMs`.
 * `ready` settles once the subscription is in place.
 */
function nextMessage(coordination: Coordination, channel: string, timeoutMs = 2000): { message: Promise<string>; ready: Promise<unknown> } {
  let settle!: (message: string) => void;
  const message = new Promise<string>((resolve, reject) => {
    settle = resolve;
    setTimeout(() => reject(new Error(`no message on ${channel} within ${timeoutMs} ms`)), timeoutMs).unref();
  });
  // Mark as handled: a test that failed earlier must not also report an unhandled rejection.
  message.catch(() => {});
  return { message, ready: coordination.subscribe(channel, (m) => settle(m)) };
}

/** True when `promise` is still pending after `ms` milliseconds. */
async function stillPending(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([promise, sleep(ms).then(() => marker)]);
  return winner === marker;
}

/** Registers the contract suite for one implementation. */
export function describeCoordinationContract(
  name: string,
  factory: () => Promise<Coordination>,
  options: ContractOptions = { instancesShareState: false },
): void {
  describe(`${name} coordination (contract)`, () => {
    let a: Coordination;
    let b: Coordination;
    const opened: Coordination[] = [];
    const key = (label: string): string => `${label}-${randomUUID()}`;

    beforeEach(async () => {
      a = await factory();
      opened.push(a);
      b = a;
      if (options.instancesShareState) {
        b = await factory();
        opened.push(b);
      }
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((c) => c.close()));
    });

    it('lets only one of two concurrent acquirers hold a lock', async () => {
      const k = key('lock');
      const [first, second] = await Promise.all([a.acquireLock(k, 5000, 0), b.acquireLock(k, 5000, 0)]);
      expect([first, second].filter((h) => h !== null)).toHaveLength(1);
    });

    it('hands the lock to a waiting acquirer once the holder releases it', async () => {
      const k = key('lock');
      const holder = await a.acquireLock(k, 5000, 0);
      expect(holder).not.toBeNull();
      const waiting = b.acquireLock(k, 5000, 3000);
      expect(await stillPending(waiting, 100)).toBe(true);
      await holder!.release();
      const next = await waiting;
      expect(next).not.toBeNull();
      expect(await a.acquireLock(k, 5000, 0)).toBeNull();
      await next!.release();
    });

    it('returns null when the lock stays busy for the whole wait', async () => {
      const k = key('lock');
      await a.acquireLock(k, 5000, 0);
      const started = Date.now();
      expect(await b.acquireLock(k, 5000, 150)).toBeNull();
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('frees the lock of a crashed holder when its TTL runs out', async () => {
      const k = key('lock');
      expect(await a.acquireLock(k, 200, 0)).not.toBeNull();
      expect(await b.acquireLock(k, 5000, 0)).toBeNull();
      const started = Date.now();
      const successor = await b.acquireLock(k, 5000, 3000);
      expect(successor).not.toBeNull();
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    });

    it('does not let a stale holder release the lock of the holder that came after its TTL', async () => {
      const k = key('lock');
      const stale = await a.acquireLock(k, 100, 0);
      await sleep(200);
      const fresh = await b.acquireLock(k, 5000, 0);
      expect(fresh).not.toBeNull();
      await stale!.release();
      expect(await a.acquireLock(k, 5000, 0)).toBeNull();
      await fresh!.release();
      expect(await a.acquireLock(k, 5000, 0)).not.toBeNull();
    });

    it('serialises 20 concurrent withLock increments of a shared counter', async () => {
      const k = key('counter');
      let counter = 0;
      let inside = 0;
      let maxInside = 0;
      const increment = async (): Promise<void> => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        const seen = counter;
        await sleep(2);
        counter = seen + 1;
        inside--;
      };
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).withLock(k, 5000, 15_000, increment)));
      expect(counter).toBe(20);
      expect(maxInside).toBe(1);
    });

    it('throws AppError unavailable from withLock when the lock cannot be had in time', async () => {
      const k = key('lock');
      await a.acquireLock(k, 5000, 0);
      let ran = false;
      const error = await b.withLock(k, 5000, 50, async () => void (ran = true)).catch((err: unknown) => err);
      expect(isAppError(error) && error.code).toBe('unavailable');
      expect(ran).toBe(false);
    });

    it('allows N points in a window, then refuses with a retry delay, then allows again after the window', async () => {
      const k = key('rate');
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await (i % 2 ? a : b).consume(k, 3, 1000));
      expect(results.map((r) => [r.allowed, r.remaining])).toEqual([[true, 2], [true, 1], [true, 0]]);
      const refused = await a.consume(k, 3, 1000);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
      await sleep(refused.retryAfterMs + 100);
      expect((await b.consume(k, 3, 1000)).allowed).toBe(true);
    });

    it('counts rate limits per key', async () => {
      const k = key('rate');
      expect((await a.consume(k, 1, 60_000)).allowed).toBe(true);
      expect((await a.consume(k, 1, 60_000)).allowed).toBe(false);
      expect((await a.consume(`${k}-other`, 1, 60_000)).allowed).toBe(true);
    });

    it('stores a value and forgets it once its TTL has passed', async () => {
      const k = key('kv');
      expect(await a.set(k, 'hello', 150)).toBe(true);
      expect(await b.get(k)).toBe('hello');
      await sleep(300);
      expect(await b.get(k)).toBeNull();
    });

    it('refuses an onlyIfAbsent set while the key exists and overwrites on a plain set', async () => {
      const k = key('kv');
      expect(await a.set(k, 'first', 5000, true)).toBe(true);
      expect(await b.set(k, 'second', 5000, true)).toBe(false);
      expect(await a.get(k)).toBe('first');
      expect(await b.set(k, 'third', 5000)).toBe(true);
      expect(await a.get(k)).toBe('third');
      await a.delete(k);
      expect(await b.get(k)).toBeNull();
      expect(await b.set(k, 'again', 5000, true)).toBe(true);
    });

    it('takes an onlyIfAbsent set as soon as the TTL is up, even when the event loop was busy the whole time', async () => {
      const k = key('slot');
      expect(await a.set(k, 'held', 30, true)).toBe(true);
      // Busy past the TTL: no timer can run meanwhile (the in-process store's clean-up included).
      const until = Date.now() + 80;
      while (Date.now() < until);
      expect(await b.set(k, 'next', 30, true)).toBe(true);
      expect(await a.get(k)).toBe('next');
    });

    it('hands out pace slots spacingMs apart, and counts a slot taken late from when it was due (within the slack)', async () => {
      const k = key('pace');
      expect(await a.takePaceSlot(k, 100, 20)).toBe(0);
      const wait = await b.takePaceSlot(k, 100, 20);
      expect(wait).toBeGreaterThan(50);
      expect(wait).toBeLessThanOrEqual(100);
      // Taken at least 10 ms late: the next slot is due 100 ms after this one was due, so nearer than 100 ms.
      await sleep(wait + 10);
      expect(await b.takePaceSlot(k, 100, 20)).toBe(0);
      const next = await a.takePaceSlot(k, 100, 20);
      expect(next).toBeGreaterThanOrEqual(60);
      expect(next).toBeLessThanOrEqual(91);
    });

    it('never grants more pace slots than the limit in any window, with callers racing for them', async () => {
      const k = key('pace-race');
      const [points, durationMs] = [30, 1000];
      const gap = Math.ceil(durationMs / points);
      const granted: number[] = [];
      const until = Date.now() + 1_400;
      const caller = async (c: Coordination) => {
        while (Date.now() < until) {
          const wait = await c.takePaceSlot(k, gap, paceSlack(points, durationMs, gap));
          if (wait === 0) granted.push(Date.now());
          else await sleep(wait);
        }
      };
      await Promise.all([a, b, a, b, a].map(caller));
      granted.sort((x, y) => x - y);
      let most = 0;
      for (let i = 0, j = 0; i < granted.length; i++) {
        while (granted[i] - granted[j] >= durationMs) j++;
        most = Math.max(most, i - j + 1);
      }
      expect(most).toBeLessThanOrEqual(points);
      // And close to the pace: 1.4 s at one slot per 34 ms is 41 slots.
      expect(granted.length).toBeGreaterThanOrEqual(36);
    });

    it('delivers a published message to every subscriber', async () => {
      const channel = key('channel');
      const first = nextMessage(a, channel);
      const second = nextMessage(b, channel);
      await Promise.all([first.ready, second.ready]);
      await a.publish(channel, 'order shipped');
      expect(await Promise.all([first.message, second.message])).toEqual(['order shipped', 'order shipped']);
    });

    it('stops delivering to a subscriber after it unsubscribes', async () => {
      const channel = key('channel');
      const gone: string[] = [];
      const unsubscribe = await b.subscribe(channel, (m) => gone.push(m));
      const stays = nextMessage(a, channel);
      await stays.ready;
      await unsubscribe();
      await b.publish(channel, 'after');
      expect(await stays.message).toBe('after');
      await sleep(50);
      expect(gone).toEqual([]);
    });

    it('grants claimRun to exactly one of 10 concurrent callers', async () => {
      const job = key('job');
      const fireAt = new Date('2026-03-01T09:00:00.000Z');
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claimRun(job, fireAt, 60_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await a.claimRun(job, new Date('2026-03-01T10:00:00.000Z'), 60_000)).toBe(true);
    });

    it('answers ping while open', async () => {
      expect(await a.ping()).toBe(true);
    });
  });
}
