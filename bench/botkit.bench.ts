import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIntervals, loadBotkit, loadOptionalExport, NO_STORAGE } from '../src/channels/botkit/botkit-loader.js';
import { silentLogger } from '../src/core/logger.js';
import { startApp } from '../src/main.js';
import { row, type BenchReport } from './harness.js';
import { runBotkitLoad } from './support/botkit-load.js';
import { alternating, ROUNDS } from './support/load.js';
import { measureOnStores } from './support/stores.js';

/**
 * Web-chat turn throughput of Patron (`POST /chat/messages`, full pipeline; on embedded PGlite and,
 * when one can be had, a PostgreSQL server: bench/support/stores.ts)
 * beside a bare Botkit echo bot (`bot.reply(m, m.text)`) on Botkit's web adapter
 * (`botbuilder-adapter-web`) on its own express server, in webhook mode — the adapter collects the
 * turn's replies and answers the POST with them (`[{type:'message', text}]`), the same
 * request/answer pattern as Patron's web chat — under the same load generator, in alternating rounds.
 */
const TEXTS = ['hi', 'thanks', 'what can you do?', '你好', 'hello there', 'bye', 'help me please', '谢谢'];
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PER_CLIENT = Number(process.env.BENCH_PER_CLIENT ?? 60);

interface Echo {
  url: string;
  close(): Promise<void>;
}

async function botkitWebEcho(): Promise<Echo | { skipped: string }> {
  const { module, error } = await loadBotkit();
  if (!module) return { skipped: `the optional package botkit is not installed (${error})` };
  const { value: WebAdapter, error: webError } = await loadOptionalExport<new (options: Record<string, unknown>) => unknown>('botbuilder-adapter-web', 'WebAdapter');
  if (!WebAdapter) return { skipped: `the optional package botbuilder-adapter-web is not installed (${webError})` };
  // noServer: the adapter's (unused) socket server needs no port; its heartbeat timer is cleared at the end.
  const { result: controller, intervals } = captureIntervals(
    () => new module.Botkit({ adapter: new WebAdapter({ noServer: true }), disable_webserver: true, disable_console: true, storage: NO_STORAGE }),
  );
  for (const timer of intervals) timer.unref();
  controller.on('message', async (bot, m) => {
    await bot.reply(m, m.text ?? '');
  });
  const app = express();
  app.use(express.json({ limit: '256kb' }));
  app.post('/api/messages', (req, res) => {
    controller.adapter.processActivity(req, res, (ctx: unknown) => controller.handleTurn(ctx)).catch(() => {
      if (!res.headersSent) res.status(500).end();
    });
  });
  const server: Server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`,
    close: async () => {
      for (const timer of intervals) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export default async function botkitBench(): Promise<BenchReport> {
  const name = `web-chat turn throughput (${CONCURRENCY} sessions × ${PER_CLIENT} messages): Patron full pipeline vs bare Botkit 4.15 web adapter echo bot`;
  const echo = await botkitWebEcho();
  if ('skipped' in echo) return { name, rows: [], skipped: echo.skipped };
  const dir = mkdtempSync(join(tmpdir(), 'patron-bench-botkit-'));
  try {
    const job = { concurrency: CONCURRENCY, perClient: PER_CLIENT, texts: TEXTS };
    const botkit = { ...job, url: echo.url, shape: 'web' as const };
    await runBotkitLoad({ ...botkit, perClient: 10 });
    const { rows, extra } = await measureOnStores(dir, async (url, label) => {
      const patron = { ...job, url, shape: 'patron' as const };
      await runBotkitLoad({ ...patron, perClient: 10 });
      const { base, ours, rps } = await alternating(ROUNDS, () => runBotkitLoad(botkit), () => runBotkitLoad(patron));
      return {
        rows: [
          row(`throughput, ${label}`, ours.rps, base.rps, 'req/s', { target: 'product goal ≥ 1.5', note: `median of ${ROUNDS} alternating rounds` }),
          row(`latency p50, ${label}`, ours.p50, base.p50, 'ms', { lowerIsBetter: true }),
          row(`latency p99, ${label}`, ours.p99, base.p99, 'ms', { lowerIsBetter: true }),
        ],
        extra: { rounds: rps, errors: { ours: ours.errors, baseline: base.errors }, requests: { ours: ours.requests, baseline: base.requests } },
      };
    });
    return { name, rows, extra };
  } finally {
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printReport } = await import('./harness.js');
  const report = await botkitBench();
  printReport(report);
  console.log(JSON.stringify(report.extra));
}
