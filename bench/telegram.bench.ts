import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import { startApp } from '../src/main.js';
import { FakeTelegramApi, privateTextUpdate } from '../test/fakes/telegram-api.fake.js';
import { percentile, row, type BenchReport } from './harness.js';

const UPDATES = Number(process.env.TELEGRAM_BENCH_UPDATES ?? 2000);
const CHATS = 200;
const CONCURRENCY = 32;
const SECRET = 'bench-secret';
// Texts with one stateless reply each (no fallback streak that would hand the chat to a person).
const TEXTS = ['hi', 'hello', 'what can you do?', 'thanks', 'bye', '你好', 'help', 'good morning'];

interface Run {
  latencies: number[];
  /** Updates per second until every POST was answered. */
  ackRate: number;
  /** Updates per second until every reply reached the (fake) Bot API. */
  replyRate: number;
  replies: number;
}

function updates(n: number, firstChat: number): Update[] {
  return Array.from({ length: n }, (_, i) => privateTextUpdate({ id: firstChat + (i % CHATS), text: TEXTS[i % TEXTS.length], languageCode: 'en' }));
}

/** POSTs every update to `url` with a fixed number in flight; per-chat order is kept by sending a chat's updates in sequence. */
async function drive(url: string, list: Update[], fake: FakeTelegramApi, headers: Record<string, string>, settled: () => Promise<boolean>): Promise<Run> {
  const before = fake.callsOf('sendMessage').length;
  const latencies: number[] = [];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const update = list[next++];
      const t0 = performance.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(update) });
      const body = await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`webhook answered ${res.status} ${Buffer.from(body).toString()}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const acked = performance.now();
  while (!(await settled())) await new Promise((r) => setTimeout(r, 5));
  const done = performance.now();
  const replies = fake.callsOf('sendMessage').length - before;
  return { latencies, replies, ackRate: list.length / ((acked - started) / 1000), replyRate: list.length / ((done - started) / 1000) };
}

/** The baseline: a bare telegraf echo bot fed by an HTTP webhook through `bot.handleUpdate`. */
async function echoBot(fake: FakeTelegramApi): Promise<{ url: string; server: Server }> {
  const bot = new Telegraf(fake.token, { telegram: { apiRoot: fake.apiRoot } });
  bot.botInfo = await bot.telegram.getMe();
  bot.on('text', (ctx) => ctx.reply(ctx.message.text));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bot
        .handleUpdate(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Update)
        .then(() => res.writeHead(200).end('{}'))
        .catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** Full pipeline via webhook (pacing off) beside a bare telegraf echo bot, on the same fake Bot API. */
export default async function telegramBench(): Promise<BenchReport> {
  const fake = new FakeTelegramApi();
  const apiRoot = await fake.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'patron-telegram-bench-'));
  const app = await startApp({
    env: {
      DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', DEMO_DATA: 'false', TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: apiRoot,
      TELEGRAM_MODE: 'webhook', TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_WEBHOOK_URL: 'https://bench.example.com',
    },
    telegram: { pacing: null },
  });
  const echo = await echoBot(fake);
  try {
    const webhook = `${app.url}/telegram/webhook`;
    const auth = { 'x-telegram-bot-api-secret-token': SECRET };
    // Warm-up (JIT, PGlite caches, keep-alive sockets) for both, then the measured runs.
    const outboxEmpty = async () => (await app.repos.outbox.depth()) === 0;
    const echoDone = async () => true; // the echo bot replies before it answers the webhook
    await drive(webhook, updates(200, 900_000), fake, auth, outboxEmpty);
    await drive(echo.url, updates(200, 900_000), fake, {}, echoDone);
    const baseline = await drive(echo.url, updates(UPDATES, 100_000), fake, {}, echoDone);
    const ours = await drive(webhook, updates(UPDATES, 200_000), fake, auth, outboxEmpty);
    const note = `${UPDATES} updates, ${CHATS} chats, ${CONCURRENCY} in flight; ${ours.replies} vs ${baseline.replies} replies sent`;
    return {
      name: 'telegram webhook: full pipeline vs bare telegraf echo',
      rows: [
        row('updates/s until every reply was sent', ours.replyRate, baseline.replyRate, 'upd/s', { note }),
        row('updates/s acknowledged (webhook 200)', ours.ackRate, baseline.ackRate, 'upd/s'),
        row('webhook latency p50', percentile(ours.latencies, 50), percentile(baseline.latencies, 50), 'ms', { lowerIsBetter: true }),
        row('webhook latency p99', percentile(ours.latencies, 99), percentile(baseline.latencies, 99), 'ms', { lowerIsBetter: true, target: '< 3000 ms' }),
      ],
    };
  } finally {
    await new Promise((r) => echo.server.close(r));
    await app.stop();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
