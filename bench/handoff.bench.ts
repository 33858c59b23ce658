import { Router } from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelAdapter, SendResult } from '../src/channels/channel-adapter.js';
import { Translator } from '../src/core/i18n.js';
import { newId } from '../src/core/ids.js';
import { silentLogger } from '../src/core/logger.js';
import type { OutboundMessage } from '../src/core/message.js';
import { buildHandoffWorkspace } from '../src/crm/handoff/index.js';
import type { PipelineDeps } from '../src/flows/pipeline.js';
import { authenticate } from '../src/http/auth.js';
import { conversationsRoutes } from '../src/http/routes/api/conversations.routes.js';
import { startApp, type App } from '../src/main.js';
import { percentile, round, row, type BenchReport } from './harness.js';

/**
 * Agent message latency: from an agent's `POST /api/conversations/:id/messages` to the message
 * arriving on a (fake) platform channel, beside the bot's own reply path on the same channel
 * (customer message in over HTTP → pipeline → outbox → sender → channel), measured alternately in
 * the same run on the embedded default (PGlite, in-process coordination).
 */
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const WARMUP = 20;

/** Records the arrival time of each delivered message and resolves waiters by conversation. */
class ArrivalChannel implements ChannelAdapter {
  readonly id = 'benchfake';
  readonly inline = false;
  private waiters = new Map<string, (at: number) => void>();
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async send(conversation: string, _message: OutboundMessage): Promise<SendResult> {
    const at = performance.now();
    const w = this.waiters.get(conversation);
    if (w) {
      this.waiters.delete(conversation);
      w(at);
    }
    return {};
  }
  arrival(conversation: string): Promise<number> {
    return new Promise((resolve) => this.waiters.set(conversation, resolve));
  }
}

const classifier = { classify: (text: string) => (/human/.test(text) ? { intent: 'contact_human_agent', confidence: 0.99 } : { intent: 'greeting', confidence: 0.99 }) };

async function start(dir: string, channel: ArrivalChannel): Promise<App> {
  return startApp({
    env: { DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ADMIN_TOKEN: 'bench-admin-token-0123456789' },
    logger: silentLogger, classifier, extraChannels: () => [channel],
    extraRouters: (a) => {
      const deps = (a.pipeline as unknown as { deps: PipelineDeps }).deps;
      const { handoffQueue, canned } = buildHandoffWorkspace({
        db: a.store.db, translator: Translator.fromConfig(a.config.configDir), coordination: a.coordination, configDir: a.config.configDir,
        wake: () => void a.sender.wakeAll(), invalidate: (id) => deps.participants.invalidate(id),
      });
      // The fake platform's webhook: acknowledges once the turn is committed, like the real ones.
      const inbound = Router().post('/benchfake/inbound', async (req, res) => {
        const { conversation, text } = req.body as { conversation: string; text: string };
        await a.pipeline.handle({ id: newId(), channel: 'benchfake', conversation, sender: { id: `u-${conversation}` }, text, attachments: [], receivedAt: new Date() });
        res.json({ ok: true });
      });
      return { routers: [inbound, Router().use('/api', authenticate(a.staff), conversationsRoutes({ handoff: handoffQueue, staff: a.staff, canned }))] };
    },
  });
}

const post = (url: string, body: unknown, token?: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) }).then((r) => r.text());

export default async function handoffBench(): Promise<BenchReport> {
  const dir = mkdtempSync(join(tmpdir(), 'patron-bench-handoff-'));
  const channel = new ArrivalChannel();
  const app = await start(dir, channel);
  try {
    const agent = await app.staff.create({ name: 'Mia', role: 'agent' });
    // One thread held by the agent, one served by the bot.
    await post(`${app.url}/benchfake/inbound`, { conversation: 'agent-thread', text: 'hi' });
    const held = (await app.repos.conversations.findByExternal('benchfake', 'agent-thread'))!;
    const claimed = channel.arrival('agent-thread');
    await post(`${app.url}/api/conversations/${held.id}/claim`, {}, agent.token);
    await claimed;
    await post(`${app.url}/benchfake/inbound`, { conversation: 'bot-thread', text: 'hi' });
    const agentMs: number[] = [];
    const botMs: number[] = [];
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      const a = await timeIt(channel, 'agent-thread', () => post(`${app.url}/api/conversations/${held.id}/messages`, { text: `update ${i}` }, agent.token));
      const b = await timeIt(channel, 'bot-thread', () => post(`${app.url}/benchfake/inbound`, { conversation: 'bot-thread', text: `hello ${i}` }));
      if (i >= WARMUP) {
        agentMs.push(a);
        botMs.push(b);
      }
    }
    const p = (xs: number[], q: number) => percentile(xs, q);
    return {
      name: `agent message → delivered vs bot reply → delivered (${SAMPLES} each, alternating, fake channel, embedded PGlite)`,
      rows: [
        row('latency p50', p(agentMs, 50), p(botMs, 50), 'ms', { lowerIsBetter: true, note: 'ours = agent POST → channel; baseline = customer in → bot reply on channel' }),
        row('latency p99', p(agentMs, 99), p(botMs, 99), 'ms', { lowerIsBetter: true }),
      ],
      extra: { samples: SAMPLES, agentMean: round(mean(agentMs)), botMean: round(mean(botMs)) },
    };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timeIt(channel: ArrivalChannel, conversation: string, act: () => Promise<unknown>): Promise<number> {
  const arrived = channel.arrival(conversation);
  const t0 = performance.now();
  await act();
  return (await arrived) - t0;
}

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { printReport } = await import('./harness.js');
  printReport(await handoffBench());
}
