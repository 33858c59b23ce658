import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  /**
   * CPU time of this process's main thread per request, in µs (Linux /proc; NaN elsewhere). The
   * served side runs there and the load generator does not, so unlike req/s this does not move with
   * how the two cores are shared. It counts the database only when that runs on the main thread
   * (embedded PGlite without PGLITE_WORKER).
   */
  mainCpuUs: number;
}

/** Runs the HTTP load generator in a worker thread against `url`. */
export function runLoad(job: { url: string; concurrency: number; perClient: number; texts: string[]; session?: boolean }): Promise<LoadResult> {
  return loadResultOf(new Worker(fileURLToPath(new URL('./load-worker.mjs', import.meta.url)), { workerData: { session: false, ...job } }));
}

/** Waits for a load worker's one report (`{seconds, latencies, errors, requests}`) and summarises it. */
export function loadResultOf(worker: Worker): Promise<LoadResult> {
  const cpu0 = mainThreadCpuUs();
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m: { seconds: number; latencies: number[]; errors: number; requests: number }) => {
      const cpu = mainThreadCpuUs() - cpu0;
      void worker.terminate();
      resolve({
        requests: m.requests, errors: m.errors, seconds: m.seconds, rps: m.requests / m.seconds,
        p50: percentile(m.latencies, 50), p99: percentile(m.latencies, 99), mainCpuUs: cpu / m.requests,
      });
    });
  });
}

let ticksPerSecond: number | undefined;

/** CPU (user + system) used so far by this process's main thread, in µs; NaN where /proc is missing. */
function mainThreadCpuUs(): number {
  try {
    // The main thread's task id is the process id; utime and stime are fields 14 and 15, in clock ticks.
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1e6;
  } catch {
    return NaN;
  }
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
): Promise<{ base: LoadResult; ours: LoadResult; rps: { base: number[]; ours: number[] }; mainCpuUs: { base: number; ours: number } }> {
  const runs: { base: LoadResult[]; ours: LoadResult[] } = { base: [], ours: [] };
  for (let i = 0; i < rounds; i++) {
    runs.base.push(await base());
    runs.ours.push(await ours());
  }
  const median = (list: LoadResult[]) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor((list.length - 1) / 2)];
  const rps = (list: LoadResult[]) => list.map((r) => Math.round(r.rps));
  const cpu = (list: LoadResult[]) => list.map((r) => r.mainCpuUs).sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)];
  return {
    base: median(runs.base), ours: median(runs.ours), rps: { base: rps(runs.base), ours: rps(runs.ours) },
    mainCpuUs: { base: cpu(runs.base), ours: cpu(runs.ours) },
  };
}
