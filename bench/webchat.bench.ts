import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { row, round, type BenchReport } from './harness.js';
import { alternating, ROUNDS, runLoad } from './support/load.js';
import { measureOnStores } from './support/stores.js';

/**
 * Web-chat turn throughput through the full pipeline (in-process coordination) on the embedded
 * default (PGlite) and on a PostgreSQL server when one can be had (bench/support/stores.ts), each
 * beside a bare express echo endpoint measured with the same load, in alternating rounds.
 */
const TEXTS = ['hi', 'thanks', 'what can you do?', '你好', 'hello there', 'bye', 'help me please', '谢谢'];
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PER_CLIENT = Number(process.env.BENCH_PER_CLIENT ?? 60);

async function echoServer(): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(express.json({ limit: '256kb' }));
  app.post('/echo', (req, res) => {
    res.json({ sessionId: 'echo', replies: [{ text: String(req.body?.text ?? '') }] });
  });
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`, server };
}

export default async function webchatBench(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'patron-bench-'));
  const echo = await echoServer();
  try {
    const job = { concurrency: CONCURRENCY, perClient: PER_CLIENT, texts: TEXTS, session: true };
    // Warm the echo up once (JIT, keep-alive sockets); Patron is warmed on each store.
    await runLoad({ ...job, url: echo.url, perClient: 10 });
    const { rows, extra } = await measureOnStores(dir, async (url, label) => {
      await runLoad({ ...job, url, perClient: 10 });
      const { base, ours, rps, mainCpuUs } = await alternating(ROUNDS, () => runLoad({ ...job, url: echo.url }), () => runLoad({ ...job, url }));
      return {
        rows: [
          row(`throughput, ${label}`, ours.rps, base.rps, 'req/s', { target: '≥ 0.25 (issue 2), product goal ≥ 0.5', note: `median of ${ROUNDS} alternating rounds` }),
          row(`latency p50, ${label}`, ours.p50, base.p50, 'ms', { lowerIsBetter: true }),
          row(`latency p99, ${label}`, ours.p99, base.p99, 'ms', { lowerIsBetter: true }),
          row(`main-thread CPU per request, ${label}`, mainCpuUs.ours, mainCpuUs.base, 'µs', {
            lowerIsBetter: true, note: `median round; ${label === 'embedded PGlite' ? 'includes the database when it runs in-process (not with PGLITE_WORKER)' : "the server's own work is in its process, not counted"}`,
          }),
        ],
        extra: { rounds: rps, errors: { ours: ours.errors, baseline: base.errors }, requests: ours.requests, seconds: round(ours.seconds) },
      };
    });
    return { name: `web-chat turn throughput (${CONCURRENCY} sessions × ${PER_CLIENT} messages) vs bare express echo`, rows, extra };
  } finally {
    await new Promise<void>((r) => echo.server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printReport } = await import('./harness.js');
  const report = await webchatBench();
  printReport(report);
  console.log(JSON.stringify(report.extra));
}
