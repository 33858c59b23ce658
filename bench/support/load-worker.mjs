// Load generator run in a worker thread (its own event loop, so the client does not steal the
// server's): `concurrency` keep-alive clients each send `perClient` JSON POSTs back to back.
// Plain JavaScript so the worker needs no TypeScript loader.
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const job = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
const target = new URL(job.url);

function post(body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
        headers: { 'content-type': 'application/json', 'content-length': data.length } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString()) });
          } catch (err) {
            reject(err);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function client(id, latencies) {
  let sessionId;
  let errors = 0;
  for (let i = 0; i < job.perClient; i++) {
    const text = job.texts[(id + i) % job.texts.length];
    const started = performance.now();
    try {
      const res = await post({ text, ...(sessionId ? { sessionId } : {}) });
      latencies.push(performance.now() - started);
      if (res.status !== 200 || !Array.isArray(res.body.replies) || res.body.replies.length === 0) errors++;
      if (job.session && res.body.sessionId) sessionId = res.body.sessionId;
    } catch {
      errors++;
    }
  }
  return errors;
}

const latencies = [];
const started = performance.now();
const counts = await Promise.all(Array.from({ length: job.concurrency }, (_, i) => client(i, latencies)));
const seconds = (performance.now() - started) / 1000;
agent.destroy();
parentPort.postMessage({ seconds, latencies, errors: counts.reduce((a, b) => a + b, 0), requests: latencies.length });
