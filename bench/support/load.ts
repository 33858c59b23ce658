import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { percentile } from '../harness.js';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

/** Runs the HTTP load generator in a worker thread against `url`. */
export function runLoad(job: { url: string; concurrency: number; perClient: number; texts: string[]; session?: boolean }): Promise<LoadResult> {
  return loadResultOf(new Worker(fileURLToPath(new URL('./load-worker.mjs', import.meta.url)), { workerData: { session: false, ...job } }));
}

/** Waits for a load worker's one report (`{seconds, latencies, errors, requests}`) and summarises it. */
export function loadResultOf(worker: Worker): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { seconds: number; latencies: number[]; errors: number; requests: number }) => {
      void worker.terminate();
      resolve({
        requests: m.requests, errors: m.errors, seconds: m.seconds, rps: m.requests / m.seconds,
        p50: percentile(m.latencies, 50), p99: percentile(m.latencies, 99),
      });
    });
  });
}

/** How many alternating rounds the throughput benches run (BENCH_ROUNDS, default 3). */
export const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

/**
 * Runs the baseline and ours alternately `rounds` times, so a slow spell of the machine hits both
 * sides alike. Each side is reported by its median-throughput round (its latencies come from that
 * same run); every round's throughput is kept for the report.
 */
export async function alternating(
  rounds: number, base: () => Promise<LoadResult>, ours: () => Promise<LoadResult>,
): Promise<{ base: LoadResult; ours: LoadResult; rps: { base: number[]; ours: number[] } }> {
  const runs: { base: LoadResult[]; ours: LoadResult[] } = { base: [], ours: [] };
  for (let i = 0; i < rounds; i++) {
    runs.base.push(await base());
    runs.ours.push(await ours());
  }
  const median = (list: LoadResult[]) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor((list.length - 1) / 2)];
  const rps = (list: LoadResult[]) => list.map((r) => Math.round(r.rps));
  return { base: median(runs.base), ours: median(runs.ours), rps: { base: rps(runs.base), ours: rps(runs.ours) } };
}
