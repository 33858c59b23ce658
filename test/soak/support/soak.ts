import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from '../../../src/storage/database.js';

/** Chat flood limits off: a load generator is one client on one IP standing for many visitors. */
export const NO_CHAT_LIMITS = { CHAT_RATE_LIMIT: 'off', CHAT_IP_RATE_LIMIT: 'off' } as const;

/** Soak files skip themselves unless run through vitest.soak.config.ts (`npm run test:soak`). */
export const SOAK = process.env.PATRON_SOAK === '1';

export interface ChatLoadResult {
  requests: number;
  replies: number;
  errors: string[];
  seconds: number;
  latencies: number[];
  sessionIds: string[];
}

/** Drives POST /chat/messages from a worker thread (see chat-load-worker.mjs). */
export function chatLoad(job: { url: string; sessions: number; perSession: number; timeoutMs?: number }): Promise<ChatLoadResult> {
  const worker = new Worker(fileURLToPath(new URL('./chat-load-worker.mjs', import.meta.url)), { workerData: job });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: ChatLoadResult) => {
      void worker.terminate();
      resolve(m);
    });
  });
}

/** p50/p95/p99/max of a list of milliseconds, rounded, for printing. */
export function percentiles(values: number[]): { p50: number; p95: number; p99: number; max: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN);
  return { p50: at(50), p95: at(95), p99: at(99), max: Math.round(sorted[sorted.length - 1] ?? NaN), n: sorted.length };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

/** Polls `predicate` until true or throws after `timeoutMs` naming `what`. */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the web chat committed: inbound rows, their conversations, reply rows (and how many not sent), unanswered messages. */
export async function webchatLedger(db: Db): Promise<{ inbound: number; conversations: number; replies: number; unsent: number; unanswered: number }> {
  const { rows } = await sql<{ inbound: number; conversations: number; replies: number; unsent: number; unanswered: number }>`
    select (select count(*)::int from inbound_messages where channel = 'webchat') as inbound,
      (select count(distinct conversation_id)::int from inbound_messages where channel = 'webchat') as conversations,
      (select count(*)::int from outbox where channel = 'webchat' and inbound_id is not null) as replies,
      (select count(*)::int from outbox where channel = 'webchat' and inbound_id is not null and status <> 'sent') as unsent,
      (select count(*)::int from inbound_messages i where i.channel = 'webchat' and not exists (select 1 from outbox o where o.inbound_id = i.id)) as unanswered`.execute(db);
  return rows[0];
}
