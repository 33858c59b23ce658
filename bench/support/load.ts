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
