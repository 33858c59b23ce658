import { Worker } from 'node:worker_threads';
import { loadResultOf, type LoadResult } from './load.js';

/**
 * A variant of `load.ts` for the Botkit comparison: the same keep-alive clients in a worker thread,
 * but the request and answer shapes are chosen per target — `patron` (`{text, sessionId}` →
 * `{replies:[…]}`), `web` (Botkit web adapter webhook: `{type:'message', text, user, channel:
 * 'webhook'}` → a bare array of messages) or `botframework` (a Bot Framework activity with
 * `deliveryMode: expectReplies` → `{activities:[…]}`).
 */
export interface BotkitLoadJob {
  url: string;
  concurrency: number;
  perClient: number;
  texts: string[];
  shape: 'patron' | 'web' | 'botframework';
}

// Plain JavaScript run with `eval: true`, so the worker needs no TypeScript loader.
const WORKER = String.raw`
const { Agent, request } = require('node:http');
const { parentPort, workerData: job } = require('node:worker_threads');
const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
const target = new URL(job.url);
function post(body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try { resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString()) }); } catch (err) { reject(err); }
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
function bodyFor(id, i, text, sessionId) {
  if (job.shape === 'patron') return { text, ...(sessionId ? { sessionId } : {}) };
  if (job.shape === 'web') return { type: 'message', text, user: 'user-' + id, channel: 'webhook' };
  return { type: 'message', id: 'load-' + id + '-' + i, text, channelId: 'load', serviceUrl: 'http://127.0.0.1:9',
    deliveryMode: 'expectReplies', from: { id: 'user-' + id }, recipient: { id: 'bot' }, conversation: { id: 'conv-' + id } };
}
function replies(body) {
  if (Array.isArray(body)) return body;
  return (job.shape === 'patron' ? body && body.replies : body && body.activities) || [];
}
async function client(id, latencies) {
  let sessionId; let errors = 0;
  for (let i = 0; i < job.perClient; i++) {
    const text = job.texts[(id + i) % job.texts.length];
    const started = performance.now();
    try {
      const res = await post(bodyFor(id, i, text, sessionId));
      latencies.push(performance.now() - started);
      if (res.status !== 200 || replies(res.body).length === 0) errors++;
      if (res.body && res.body.sessionId) sessionId = res.body.sessionId;
    } catch { errors++; }
  }
  return errors;
}
(async () => {
  const latencies = [];
  const started = performance.now();
  const counts = await Promise.all(Array.from({ length: job.concurrency }, (_, i) => client(i, latencies)));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  parentPort.postMessage({ seconds, latencies, errors: counts.reduce((a, b) => a + b, 0), requests: latencies.length });
})();
`;

/** Runs the load in a worker thread against `job.url` and summarises it like `runLoad`. */
export function runBotkitLoad(job: BotkitLoadJob): Promise<LoadResult> {
  return loadResultOf(new Worker(WORKER, { eval: true, workerData: job }));
}
