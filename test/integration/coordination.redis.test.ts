import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { sleep } from '../../src/core/clock.js';
import { RedisCoordination } from '../../src/storage/coordination.redis.js';
import { requireRedis } from '../setup/servers.js';
import { describeCoordinationContract } from './coordination.contract.js';

const redisUrl = requireRedis();
// One prefix per test file: files run in parallel against the same server.
const keyPrefix = `patron-test:${randomUUID()}:`;
const quiet = { onError: () => {} };

/** A port nobody listens on (bound, noted, released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

if (!redisUrl) {
  describe.skip('redis coordination (no redis-server available)', () => {
    it('runs the coordination contract against Redis', () => {});
  });
} else {
  describeCoordinationContract('redis', () => RedisCoordination.connect(redisUrl, { keyPrefix, ...quiet }), {
    instancesShareState: true,
  });

  describe('redis coordination', () => {
    const admin = new Redis(redisUrl);
    afterAll(async () => {
      const keys = await admin.keys(`${keyPrefix}*`);
      if (keys.length > 0) await admin.del(...keys);
      await admin.quit();
    });

    it('keeps every key under its prefix', async () => {
      const coordination = await RedisCoordination.connect(redisUrl, { keyPrefix, ...quiet });
      await coordination.set('visible', 'yes', 60_000);
      expect(await admin.get(`${keyPrefix}visible`)).toBe('yes');
      expect(await admin.get('visible')).toBeNull();
      await coordination.close();
    });

    it('refuses to connect to an unreachable server with AppError unavailable, quickly', async () => {
      const started = Date.now();
      const url = `redis://127.0.0.1:${await closedPort()}`;
      await expect(RedisCoordination.connect(url, quiet)).rejects.toMatchObject({ code: 'unavailable' });
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('fails commands fast during an outage when started without a server', async () => {
      const url = `redis://127.0.0.1:${await closedPort()}`;
      const coordination = await RedisCoordination.connect(url, { ...quiet, requireConnection: false });
      expect(await coordination.ping()).toBe(false);
      const started = Date.now();
      await expect(coordination.set('k', 'v', 1000)).rejects.toMatchObject({ code: 'unavailable' });
      await expect(coordination.consume('k', 1, 1000)).rejects.toMatchObject({ code: 'unavailable' });
      expect(Date.now() - started).toBeLessThan(3000);
      await coordination.close();
    });

    it('reconnects by itself after its connection is killed', async () => {
      const connectionName = `patron-test-${randomUUID().slice(0, 8)}`;
      const coordination = await RedisCoordination.connect(redisUrl, { keyPrefix, connectionName, ...quiet });
      const clients = (await admin.client('LIST')) as string;
      const id = clients.split('\n').find((line) => line.includes(`name=${connectionName} `))?.match(/id=(\d+)/)?.[1];
      expect(id).toBeDefined();
      await admin.client('KILL', 'ID', id!);
      let healed = false;
      for (let i = 0; i < 50 && !healed; i++) {
        healed = await coordination.set('after-kill', '1', 60_000).catch(() => false);
        if (!healed) await sleep(100);
      }
      expect(healed).toBe(true);
      expect(await coordination.ping()).toBe(true);
      await coordination.close();
    });

    it('delivers pub/sub messages again after the subscriber connection is killed', async () => {
      const connectionName = `patron-test-${randomUUID().slice(0, 8)}`;
      const coordination = await RedisCoordination.connect(redisUrl, { keyPrefix, connectionName, ...quiet });
      const received: string[] = [];
      await coordination.subscribe('events', (m) => received.push(m));
      const clients = (await admin.client('LIST')) as string;
      const id = clients.split('\n').find((line) => line.includes(`name=${connectionName}:sub `))?.match(/id=(\d+)/)?.[1];
      expect(id).toBeDefined();
      await admin.client('KILL', 'ID', id!);
      for (let i = 0; i < 50 && received.length === 0; i++) {
        await coordination.publish('events', `ping ${i}`);
        await sleep(100);
      }
      expect(received.length).toBeGreaterThan(0);
      await coordination.close();
    });
  });
}
