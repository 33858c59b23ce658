// Web-chat load generator for the soak tests, run in a worker thread so the clients do not share
// the app's event loop: `sessions` clients each send `perSession` messages back to back over
// keep-alive connections, each with a client message id, and record what came back.
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const job = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: job.sessions });
const target = new URL(job.url);
const texts = ['hi', 'what can you do?', '你好', 'where is my order', 'thanks', 'help me please', '谢谢', 'bye'];

function post(body) {
  return new Promise((resolve) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let parsed = null;
        try { parsed = JSON.parse(Buffer.concat(chunks).toString()); } catch { /* counted as an error */ }
        resolve({ status: res.statusCode, body: parsed });
      });
    });
    req.setTimeout(job.timeoutMs ?? 60_000, () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve({ status: 0, body: { error: err.message } }));
    req.end(data);
  });
}

const latencies = [];
const errors = [];
let replies = 0;
const sessionIds = [];

async function session(s) {
  let sessionId;
  for (let i = 0; i < job.perSession; i++) {
    const started = performance.now();
    const res = await post({ text: texts[(s + i) % texts.length], clientMessageId: `m${i}`, ...(sessionId ? { sessionId } : {}) });
    latencies.push(performance.now() - started);
    if (res.status !== 200 || !Array.isArray(res.body?.replies) || res.body.replies.length === 0) {
      if (errors.length < 20) errors.push(`${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      else errors.push('');
      continue;
    }
    replies += res.body.replies.length;
    sessionId = res.body.sessionId;
  }
  sessionIds.push(sessionId);
}

const started = performance.now();
await Promise.all(Array.from({ length: job.sessions }, (_, s) => session(s)));
const seconds = (performance.now() - started) / 1000;
agent.destroy();
parentPort.postMessage({ seconds, latencies, errors, replies, requests: latencies.length, sessionIds });
