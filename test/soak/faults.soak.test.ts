import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Update } from 'telegraf/types';
import type { App } from '../../src/main.js';
import { postJson, startTestApp, tempDataDir } from '../helpers/app.js';
import { killAll } from '../helpers/process.js';
import { privateTextUpdate } from '../fakes/telegram-api.fake.js';
import { startTelegramApp, WEBHOOK_SECRET } from '../integration/telegram/telegram-app.js';
import { chatThenKill, historyCounts, resendAll, startPatronProcess } from './support/crash.js';
import { OwnPostgres, OwnRedis } from './support/servers.js';
import { NO_CHAT_LIMITS, SOAK, sleep, waitUntil } from './support/soak.js';

interface Attempt {
  session?: string;
  id: string;
  text: string;
  status: number;
  error?: string;
}

/** Sends one web-chat message per session in `sessions` (undefined = new session); returns what came back. */
async function round(url: string, sessions: Array<string | undefined>, id: string): Promise<Attempt[]> {
  return Promise.all(sessions.map(async (session) => {
    const res = await postJson(`${url}/chat/messages`, { text: 'where is my order', clientMessageId: id, ...(session ? { sessionId: session } : {}) }).catch((err) => ({ status: 0, body: { error: { message: String(err) } } }));
    return { session: res.body?.sessionId ?? session, id, text: 'where is my order', status: res.status, error: res.status === 200 ? undefined : JSON.stringify(res.body) };
  }));
}

/** Per conversation: inbound rows and the distinct client ids they carry; replies per inbound row. */
async function ledger(app: App): Promise<{ inbound: number; distinct: number; unanswered: number; replies: number }> {
  const r = await sql<{ inbound: number; distinct: number; unanswered: number; replies: number }>`
    select (select count(*)::int from inbound_messages where channel = 'webchat') as inbound,
      (select count(distinct external_id)::int from inbound_messages where channel = 'webchat') as distinct,
      (select count(*)::int from inbound_messages i where i.channel = 'webchat' and not exists (select 1 from outbox o where o.inbound_id = i.id)) as unanswered,
      (select count(*)::int from outbox where channel = 'webchat' and inbound_id is not null) as replies`.execute(app.store.db);
  return r.rows[0];
}

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, { ok: boolean; detail?: string }> } };
};

describe.skipIf(!SOAK)('faults: servers die and come back', () => {
  let redis: OwnRedis | null = null;
  let postgres: OwnPostgres | null = null;
  let app: App | undefined;
  afterEach(async () => {
    await app?.stop().catch(() => {});
    app = undefined;
    await killAll();
  });
  afterAll(async () => {
    await redis?.kill();
    await postgres?.destroy();
  });

  it('Redis killed and restarted: 503 with a reason and /readyz names it, then recovers by itself; nothing lost or doubled', async (t) => {
    redis = await OwnRedis.create();
    postgres ??= await OwnPostgres.create();
    if (!redis || !postgres) return t.skip();
    app = await startTestApp({ DATABASE_URL: postgres.url, REDIS_URL: redis.url, ...NO_CHAT_LIMITS });
    const url = app.url!;
    const ok = await round(url, Array.from({ length: 20 }, () => undefined), 'a');
    expect(ok.map((a) => a.status)).toEqual(ok.map(() => 200));
    const sessions = ok.map((a) => a.session!);

    await redis.kill();
    const down = await round(url, sessions, 'b');
    const ready = await readyz(url);
    console.log(`[faults] redis down: statuses ${JSON.stringify(count(down.map((a) => a.status)))}; first error ${down.find((a) => a.error)?.error}; readyz ${ready.status} ${JSON.stringify(ready.body.checks.coordination)}`);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.coordination.ok).toBe(false);
    for (const a of down.filter((x) => x.status !== 200)) {
      expect(a.status).toBe(503);
      expect(a.error).toMatch(/message/);
    }

    await redis.start();
    await waitUntil(async () => (await readyz(url)).status === 200, 30_000, '/readyz to be ready again');
    // The customer's client retries what failed, with the same ids; what succeeded is a no-op.
    const retried = await round(url, sessions, 'b');
    const after = await round(url, sessions, 'c');
    expect([...retried, ...after].filter((a) => a.status !== 200)).toEqual([]);
    const l = await ledger(app);
    console.log(`[faults] redis recovered: ${JSON.stringify(l)}`);
    expect(l).toMatchObject({ inbound: 60, distinct: 60, unanswered: 0 });
  });

  it('PostgreSQL restarted: 503 with a reason and /readyz names the database, then recovers without a restart', async (t) => {
    postgres ??= await OwnPostgres.create();
    if (!postgres) return t.skip();
    app = await startTestApp({ DATABASE_URL: postgres.url, ...NO_CHAT_LIMITS });
    const url = app.url!;
    const before = await ledger(app);
    const ok = await round(url, Array.from({ length: 20 }, () => undefined), 'a');
    expect(ok.filter((a) => a.status !== 200)).toEqual([]);
    const sessions = ok.map((a) => a.session!);

    await postgres.stop();
    const down = await round(url, sessions, 'b');
    const ready = await readyz(url);
    console.log(`[faults] postgres down: statuses ${JSON.stringify(count(down.map((a) => a.status)))}; first error ${down.find((a) => a.error)?.error}; readyz ${ready.status} ${JSON.stringify(ready.body.checks.database)}`);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database.ok).toBe(false);
    expect(down.filter((a) => a.status === 200 || a.status === 503)).toHaveLength(down.length);
    expect(down.filter((a) => a.status === 503).every((a) => /message/.test(a.error ?? ''))).toBe(true);

    await postgres.start();
    await waitUntil(async () => (await readyz(url)).status === 200, 60_000, '/readyz to be ready again');
    const retried = await round(url, sessions, 'b');
    const after = await round(url, sessions, 'c');
    expect([...retried, ...after].filter((a) => a.status !== 200)).toEqual([]);
    const l = await ledger(app);
    console.log(`[faults] postgres recovered: ${JSON.stringify(l)}`);
    expect(l.inbound - before.inbound).toBe(60);
    expect(l.distinct - before.distinct).toBe(60);
    expect(l.unanswered).toBe(0);
  });
});

describe.skipIf(!SOAK)('faults: the platform answers 429 and 5xx for a while', () => {
  it('retries until Telegram accepts, and each message is answered exactly once', async () => {
    const t = await startTelegramApp('webhook', null);
    try {
      t.fake.failNext('sendMessage', 15, { kind: 'rate_limited', retryAfter: 1 });
      t.fake.failNext('sendMessage', 15, { kind: 'server_error', status: 502 });
      const users = Array.from({ length: 20 }, (_, i) => 880_000 + i);
      for (const id of users) {
        const res = await fetch(`${t.app.url}/telegram/webhook`, {
          method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
          body: JSON.stringify(privateTextUpdate({ id, text: 'hi' }) as Update),
        });
        expect(res.status).toBe(200);
      }
      const rows = async () => (await sql<{ n: number; sent: number; failed: number }>`
        select count(*)::int as n, count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status = 'failed')::int as failed
        from outbox where channel = 'telegram'`.execute(t.app.store.db)).rows[0];
      await waitUntil(async () => {
        const r = await rows();
        return r.n > 0 && r.sent === r.n;
      }, 120_000, 'every reply to get through');
      await sleep(1500);
      const r = await rows();
      const accepted = t.fake.callsOf('sendMessage').length - 30; // the first 30 calls were refused
      console.log(`[faults] 429/502 storm: ${JSON.stringify(r)}, sendMessage calls ${t.fake.callsOf('sendMessage').length} (30 refused)`);
      expect(r.failed).toBe(0);
      expect(accepted).toBe(r.n);
      for (const id of users) expect(t.fake.messagesTo(id).length).toBeGreaterThanOrEqual(1);
    } finally {
      await t.close();
    }
  });
});

describe.skipIf(!SOAK)('faults: the app is killed with -9 during turns', () => {
  const data = tempDataDir('patron-fault-kill-');
  afterEach(() => killAll());
  afterAll(() => data.cleanup());

  it('after a restart, resending the same client ids loses and duplicates nothing', async () => {
    let total = 0;
    for (let crash = 0; crash < 3; crash++) {
      const first = await startPatronProcess({ DATA_DIR: data.dir });
      const sent = await chatThenKill(first.url, first.proc, 20, 8, 200 + crash * 150);
      const second = await startPatronProcess({ DATA_DIR: data.dir });
      const { mismatched, failed } = await resendAll(second.url, sent);
      const sessions = [...new Set(sent.map((m) => m.session))];
      const counts = await historyCounts(second.url, sessions);
      const expected = sessions.map((s) => sent.filter((m) => m.session === s).length);
      console.log(`[faults] kill -9 #${crash + 1}: ${sent.length} messages, ${sent.filter((m) => m.replies).length} acknowledged before the kill; after resend: ${failed.length} failed, ${mismatched.length} changed replies, inbound per session ${JSON.stringify(count(counts.map((c, i) => c.inbound - expected[i])))} (0 = exact)`);
      expect(failed).toEqual([]);
      expect(mismatched).toEqual([]);
      expect(counts.map((c) => c.inbound)).toEqual(expected);
      total += sent.length;
      second.proc.child.kill('SIGTERM');
      expect(await second.proc.exited()).toBe(0);
    }
    expect(total).toBeGreaterThan(0);
  });
});

function count(values: Array<number | string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}

