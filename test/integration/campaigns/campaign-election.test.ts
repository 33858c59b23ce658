import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { sleep } from '../../../src/core/clock.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import type { Coordination } from '../../../src/storage/coordination.js';
import { createCoordination } from '../../../src/storage/coordination.factory.js';
import { openStore } from '../../../src/storage/database.js';
import { freshDatabase, requirePostgres, requireRedis } from '../../setup/servers.js';
import { deliveries, openKit, type Kit } from './campaign-kit.js';

// Two instances (own database pool, own Redis connection, own scheduler) sharing PostgreSQL + Redis.
const available = Boolean(requirePostgres() && requireRedis());
const kits: Kit[] = [];
const coordinations: Coordination[] = [];
const schedulers: Scheduler[] = [];

beforeAll(async () => {
  if (!available) return;
  const url = await freshDatabase('campaign_election');
  for (let i = 0; i < 2; i++) {
    const coordination = await createCoordination(requireRedis()!);
    coordinations.push(coordination);
    kits.push(await openKit(await openStore({ databaseUrl: url }), { coordination }));
  }
});
afterAll(async () => {
  for (const s of schedulers) await s.stop();
  for (const k of kits) await k.close();
  for (const c of coordinations) await c.close();
});

describe.skipIf(!available)('campaign trigger on two instances sharing Redis', () => {
  it('fires each scheduled slot on one instance only and materialises the campaign once', async () => {
    const [a, b] = kits;
    const people = await Promise.all([1, 2, 3].map(() => a.addCustomer({ timezone: 'Asia/Shanghai', identities: ['telegram'], consent: ['telegram'] })));
    const id = await a.launch(people);
    const fires: Array<{ instance: number; slot: string; fired: number }> = [];
    kits.forEach((kit, instance) => {
      const scheduler = new Scheduler(coordinations[instance], silentLogger, 'UTC');
      scheduler.add({
        name: 'campaigns.trigger', cron: '* * * * * *',
        run: async (at) => fires.push({ instance, slot: at.toISOString(), fired: await kit.module.trigger.tick() }),
      });
      schedulers.push(scheduler);
    });
    schedulers.forEach((s) => s.start());
    await sleep(3_500);
    for (const s of schedulers) await s.stop();

    const slots = fires.map((f) => f.slot);
    expect(slots.length).toBeGreaterThanOrEqual(2);
    expect(new Set(slots).size).toBe(slots.length);
    expect(fires.reduce((s, f) => s + f.fired, 0)).toBe(1);
    expect(await deliveries(b.db, id)).toHaveLength(3);
    const runs = await b.db.selectFrom('campaign_runs').select('id').where('campaign_id', '=', id).execute();
    expect(runs).toHaveLength(1);
  });
});
