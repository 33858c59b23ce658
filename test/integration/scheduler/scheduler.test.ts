import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { Coordination } from '../../../src/storage/coordination.js';
import { MemoryCoordination } from '../../../src/storage/coordination.memory.js';
import { RedisCoordination } from '../../../src/storage/coordination.redis.js';
import { requireRedis } from '../../setup/servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function countFires(coordinations: Coordination[], seconds: number): Promise<Map<string, number>> {
  const fires = new Map<string, number>();
  const schedulers = coordinations.map((c) => new Scheduler(c, silentLogger));
  for (const s of schedulers) {
    s.add({
      name: `tick-${coordinations[0].kind}`,
      cron: '* * * * * *',
      run: async (at) => {
        const slot = at.toISOString();
        fires.set(slot, (fires.get(slot) ?? 0) + 1);
      },
    });
    s.start();
    cleanups.push(() => s.stop());
  }
  await new Promise((r) => setTimeout(r, seconds * 1000 + 300));
  for (const s of schedulers) await s.stop();
  return fires;
}

describe('scheduler with single-fire election', () => {
  it('runs a job once per fire when three schedulers share one in-process store', async () => {
    const shared = new MemoryCoordination();
    cleanups.push(() => shared.close());
    const fires = await countFires([shared, shared, shared], 2.2);
    expect(fires.size).toBeGreaterThanOrEqual(2);
    expect([...fires.values()].every((n) => n === 1)).toBe(true);
  });

  it('runs a job once per fire across two instances sharing Redis', async (t) => {
    const url = requireRedis();
    if (!url) return t.skip();
    const prefix = `sched-${Date.now()}:`;
    const a = await RedisCoordination.connect(url, { keyPrefix: prefix });
    const b = await RedisCoordination.connect(url, { keyPrefix: prefix });
    cleanups.push(async () => {
      await a.close();
      await b.close();
    });
    const fires = await countFires([a, b], 2.2);
    expect(fires.size).toBeGreaterThanOrEqual(2);
    expect([...fires.values()].every((n) => n === 1)).toBe(true);
  });

  it('refuses an invalid cron expression with a message naming the job', () => {
    const s = new Scheduler(new MemoryCoordination(), silentLogger);
    expect(() => s.add({ name: 'bad', cron: 'every day', run: async () => {} })).toThrow(/job bad: "every day" is not a valid cron expression/);
  });
});

describe('scheduler shutdown', () => {
  it('waits for a run under way (scheduled or run now) before stop resolves', async () => {
    const s = new Scheduler(new MemoryCoordination(), silentLogger);
    const finished: string[] = [];
    const slow = (name: string) => async () => {
      await new Promise((r) => setTimeout(r, 300));
      finished.push(name);
    };
    s.add({ name: 'every-second', cron: '* * * * * *', run: slow('scheduled') });
    s.add({ name: 'manual', cron: '0 0 1 1 *', run: slow('manual') });
    s.start();
    await new Promise((r) => setTimeout(r, 1500)); // at least one fire has started (they come every second)
    void s.runNow('manual');
    await s.stop();
    expect(finished).toContain('scheduled');
    expect(finished).toContain('manual');
  });

  it('gives up after the grace period on a run that never ends, and says so', async () => {
    const warnings: unknown[] = [];
    const log = { ...silentLogger, warn: (obj: unknown) => void warnings.push(obj) } as typeof silentLogger;
    const s = new Scheduler(new MemoryCoordination(), log);
    s.add({ name: 'stuck', cron: '0 0 1 1 *', run: () => new Promise(() => {}) });
    void s.runNow('stuck');
    const started = performance.now();
    await s.stop(100);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(warnings).toEqual([{ running: 1, graceMs: 100 }]);
  });
});
