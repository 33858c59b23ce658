import { sql } from 'kysely';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../../src/core/config.js';
import { newId } from '../../../src/core/ids.js';
import { buildCampaignModule } from '../../../src/crm/campaigns/index.js';
import { ConsentRepository } from '../../../src/crm/consent/consent.repository.js';
import { ConsentService } from '../../../src/crm/consent/consent.service.js';
import { buildSegmentModule } from '../../../src/crm/segments/index.js';
import { OutboxRepository } from '../../../src/channels/delivery/outbox.repository.js';
import { CONFIG_DIR } from '../../../src/core/config.js';
import { Translator } from '../../../src/core/i18n.js';
import { silentLogger } from '../../../src/core/logger.js';
import { systemClock } from '../../../src/core/clock.js';
import { migrate, openStore, type Store } from '../../../src/storage/database.js';
import { FakeTelegramApi } from '../../fakes/telegram-api.fake.js';
import type { Spawned } from '../../helpers/process.js';
import { freshDatabase, requirePostgres, requireRedis } from '../../setup/servers.js';
import { spawn, type ChildProcess } from 'node:child_process';

const RECIPIENTS = 150;
const RATE = 30; // TELEGRAM_PACING.global: 30 messages per second
const TOKEN = '123456:CRASH-test_token';
const available = Boolean(requirePostgres());

let fake: FakeTelegramApi;
let store: Store;
let databaseUrl: string;
const children: ChildProcess[] = [];

/** Runs the campaign-enabled app script as a real child process (`patron start` plus the campaign wiring). */
function spawnApp(): Spawned {
  const child = spawn(process.execPath, [join(ROOT_DIR, 'bin', 'run-ts.js'), join(ROOT_DIR, 'test/integration/campaigns/support/campaign-app.main.ts')], {
    cwd: ROOT_DIR,
    env: {
      ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: databaseUrl, DATA_DIR: '/nonexistent-not-used', TELEGRAM_BOT_TOKEN: TOKEN,
      // With Redis the pace (a shared rate limit) survives the restart; in memory it would start afresh.
      ...(requireRedis() ? { REDIS_URL: requireRedis()! } : {}),
      TELEGRAM_API_ROOT: fake.apiRoot, CAMPAIGN_QUIET_HOURS: 'off', CAMPAIGN_MAX_IN_FLIGHT: '60', DEMO_DATA: 'false', PORT: '0', HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return {
    child, output: () => out, exited: () => exit,
    waitFor: async (pattern, ms = 90_000) => {
      const until = Date.now() + ms;
      for (;;) {
        const m = out.match(pattern);
        if (m) return m;
        if (child.exitCode !== null || Date.now() > until) throw new Error(`no ${pattern}; output:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

async function until(cond: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  if (!available) return;
  fake = new FakeTelegramApi(TOKEN);
  await fake.start();
  databaseUrl = await freshDatabase('campaign_crash');
  store = await openStore({ databaseUrl });
  await migrate(store.db);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await store?.close();
  await fake?.close();
});

describe.skipIf(!available)('a campaign survives kill -9 mid-send', () => {
  it('never sends a recipient the campaign twice across kill -9 and restart, sends the rest exactly once, within the pacing limit', async () => {
    const db = store.db;
    const consent = new ConsentService(new ConsentRepository(db));
    const ids: string[] = [];
    for (let i = 0; i < RECIPIENTS; i++) {
      const id = newId();
      ids.push(id);
      await db.insertInto('customers').values({ id, name: `Crash ${i}`, locale: 'en', timezone: null, tags: ['crash'] } as never).execute();
      await db.insertInto('identities').values({ id: newId(), customer_id: id, channel: 'telegram', external_id: String(7_000_000 + i), display_name: null, unreachable_at: null, unreachable_reason: null }).execute();
      await consent.grant(id, 'telegram', 'marketing', 'web_form');
    }
    const { segments } = buildSegmentModule({ db, clock: systemClock });
    const module = await buildCampaignModule({
      db, clock: systemClock, log: silentLogger, translator: Translator.fromConfig(CONFIG_DIR), segments, consent, outbox: new OutboxRepository(db), wake: () => {}, env: {},
    });
    const segment = await segments.create({ name: 'crash', filter: { tags: ['crash'] } });
    const c = await module.campaigns.create({ name: 'crash', segmentId: segment.id, channels: ['telegram'], messages: { en: { text: 'Hello {name}' } }, schedule: { at: new Date().toISOString() } }, { id: newId(), name: 'm', role: 'marketer' });
    await module.campaigns.approve(c.id, { id: newId(), name: 'a', role: 'admin' });
    await module.campaigns.schedule(c.id);

    const first = spawnApp();
    await first.waitFor(/listening on/);
    await until(() => fake.callsOf('sendMessage').length >= 40, 60_000, '40 sends before the crash');
    first.child.kill('SIGKILL');
    await first.exited();
    const beforeCrash = fake.callsOf('sendMessage').length;
    expect(beforeCrash).toBeLessThan(RECIPIENTS);

    const inFlight = await sql<{ n: number }>`select count(*)::int as n from outbox where kind = 'campaign' and status = 'sending'`.execute(db);
    const inFlightAtKill = inFlight.rows[0].n;
    // Rows the dead sender had leased stay leased for LEASE_MS (2 min); let that time pass.
    await sql`update outbox set next_attempt_at = now() - interval '1 second' where status = 'sending'`.execute(db);
    const second = spawnApp();
    await second.waitFor(/listening on/);
    await until(async () => {
      const r = await sql<{ n: number }>`select count(*)::int as n from campaign_deliveries where campaign_id = ${c.id} and state = 'queued'`.execute(db);
      return r.rows[0].n === 0;
    }, 90_000, 'every delivery settled');
    second.child.kill('SIGTERM');
    await second.exited();

    const sends = fake.callsOf('sendMessage');
    const chats = sends.map((s) => String(s.payload.chat_id));
    const perChat = new Map<string, number>();
    for (const chat of chats) perChat.set(chat, (perChat.get(chat) ?? 0) + 1);
    // Never twice: no recipient got the campaign message more than once.
    expect([...perChat.values()].filter((n) => n > 1)).toEqual([]);
    // The campaign layer queued exactly one outbox row per recipient, crash or not.
    const queued = await sql<{ n: number }>`select count(*)::int as n from outbox where kind = 'campaign' and dedupe_key like 'campaign:%'`.execute(db);
    expect(queued.rows[0].n).toBe(RECIPIENTS);
    // Exactly once for every send with a known outcome; the few a dead sender had in flight are
    // closed as "outcome unknown" (delivered or not, never re-sent) and reported as failed.
    const rows = await db.selectFrom('campaign_deliveries').select(['state', 'reason', 'recipient']).where('campaign_id', '=', c.id).execute();
    const sent = rows.filter((r) => r.state === 'sent');
    const unknown = rows.filter((r) => r.state === 'failed' && r.reason?.startsWith('outcome_unknown'));
    expect(sent.length + unknown.length).toBe(RECIPIENTS);
    for (const r of sent) expect(perChat.get(r.recipient!)).toBe(1);
    expect(unknown.length).toBeLessThanOrEqual(inFlightAtKill);
    expect((await module.campaigns.get(c.id)).status).toBe('done');
    console.info(`[campaign crash] in flight at kill: ${inFlightAtKill}; closed as outcome unknown: ${unknown.length} (of which delivered before the kill: ${unknown.filter((r) => perChat.has(r.recipient!)).length}); sent exactly once: ${sent.length}`);

    // Pacing: the sender spaces sends at least 1000/RATE ms apart (a shared slot), so no sliding second
    // holds more than RATE; one more is allowed for arrival jitter at the fake (timestamps are taken on
    // receipt). Per process lifetime when the slot is in memory, across the restart when it is in Redis.
    const maxWindow = (times: number[]) => {
      let max = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i] - times[j] >= 1000) j++;
        max = Math.max(max, i - j + 1);
      }
      return max;
    };
    const at = sends.map((s) => s.at);
    const maxInSecond = requireRedis() ? maxWindow(at) : Math.max(maxWindow(at.slice(0, beforeCrash)), maxWindow(at.slice(beforeCrash)));
    const after = at.slice(beforeCrash);
    const average = after.length / ((after[after.length - 1] - after[0]) / 1000 + 1);
    console.info(`[campaign crash] before kill: ${beforeCrash} sends; after restart ${after.length} at ${average.toFixed(1)}/s; max in a sliding 1 s window: ${maxInSecond} (limit ${RATE}/s)`);
    expect(average).toBeLessThanOrEqual(RATE);
    expect(maxInSecond).toBeLessThanOrEqual(RATE + 1);
  });
});
