import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatRateLimiter, RateLimitedError, SignInLimiter } from '../../src/http/rate-limit.js';
import { RedisCoordination } from '../../src/storage/coordination.redis.js';

/** A port nobody listens on (bound, noted, released): Redis "down" for this whole file. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

const minute = 60_000;
let redis: RedisCoordination;

beforeAll(async () => {
  // Started the way main.ts starts it when Redis is unreachable: it keeps trying in the background.
  redis = await RedisCoordination.connect(`redis://127.0.0.1:${await closedPort()}`, { requireConnection: false, onError: () => {} });
  expect(await redis.ping()).toBe(false);
});

afterAll(async () => {
  await redis.close();
});

async function refused(p: Promise<void>): Promise<RateLimitedError | null> {
  try {
    await p;
    return null;
  } catch (err) {
    if (err instanceof RateLimitedError) return err;
    throw err;
  }
}

describe('rate limits while Redis is unreachable', () => {
  it('still limits sign-in attempts, counted by this instance: per account and per address', async () => {
    const limiter = new SignInLimiter(redis, { perAccount: { points: 3, durationMs: 15 * minute }, perIp: { points: 5, durationMs: 15 * minute } });
    for (let i = 0; i < 3; i++) expect(await refused(limiter.check('10.0.0.1', 'Agent@Shop.test'))).toBeNull();
    const fourth = await refused(limiter.check('10.0.0.1', 'agent@shop.test'));
    expect(fourth?.code).toBe('rate_limited');
    expect(fourth?.message).toMatch(/for this account/);
    expect(fourth!.retryAfterSeconds).toBeGreaterThan(14 * 60);
    // Another account from the same address: its own bucket, until the address's five are spent.
    expect(await refused(limiter.check('10.0.0.1', 'other@shop.test'))).toBeNull();
    expect((await refused(limiter.check('10.0.0.1', 'third@shop.test')))?.message).toMatch(/from this address/);
    expect(await refused(limiter.check('10.0.0.2', 'fourth@shop.test'))).toBeNull();
  });

  it('still limits a flooding chat session and address', async () => {
    const limiter = new ChatRateLimiter(redis, { perSession: { points: 2, durationMs: minute }, perIp: { points: 4, durationMs: minute } });
    await limiter.checkSession('s1');
    await limiter.checkSession('s1');
    expect((await refused(limiter.checkSession('s1')))?.message).toMatch(/chat session/);
    expect(await refused(limiter.checkSession('s2'))).toBeNull();
    for (let i = 0; i < 4; i++) await limiter.checkIp('10.0.0.9');
    expect((await refused(limiter.checkIp('10.0.0.9')))?.message).toMatch(/address/);
  });

  it('never makes a caller wait on the outage for long', async () => {
    const limiter = new SignInLimiter(redis);
    const started = Date.now();
    await limiter.check('10.0.0.3', 'quick@shop.test');
    expect(Date.now() - started).toBeLessThan(2500);
  });
});
