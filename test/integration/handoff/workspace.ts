import { Router } from 'express';
import type { ChannelAdapter, SendResult } from '../../../src/channels/channel-adapter.js';
import { Translator } from '../../../src/core/i18n.js';
import type { InboundMessage, OutboundMessage } from '../../../src/core/message.js';
import type { ParticipantService } from '../../../src/crm/conversations/participant.service.js';
import { CannedResponses } from '../../../src/crm/handoff/canned-responses.js';
import type { HandoffQueueService } from '../../../src/crm/handoff/index.js';
import { attachAgentSocket, type AgentSocket } from '../../../src/http/agent-socket.js';
import { authenticate } from '../../../src/http/auth.js';
import { conversationsRoutes } from '../../../src/http/routes/api/conversations.routes.js';
import type { App } from '../../../src/main.js';
import type { PipelineDeps, TurnResult } from '../../../src/flows/pipeline.js';
import { startTestApp } from '../../helpers/app.js';

/** A pushed channel that records what the sender delivers and when (a platform stand-in). */
export class RecordingChannel implements ChannelAdapter {
  readonly inline = false;
  readonly sent: Array<{ conversation: string; message: OutboundMessage; at: number }> = [];
  private waiters: Array<{ test: (m: OutboundMessage, c: string) => boolean; resolve: (at: number) => void }> = [];
  constructor(readonly id = 'fake') {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async send(conversation: string, message: OutboundMessage): Promise<SendResult> {
    const at = performance.now();
    this.sent.push({ conversation, message, at });
    this.waiters = this.waiters.filter((w) => (w.test(message, conversation) ? (w.resolve(at), false) : true));
    return { platformMessageId: String(this.sent.length) };
  }
  /** Resolves with the arrival time of the first later message matching `test`. */
  next(test: (m: OutboundMessage, conversation: string) => boolean): Promise<number> {
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
  to(conversation: string): OutboundMessage[] {
    return this.sent.filter((s) => s.conversation === conversation).map((s) => s.message);
  }
}

/** Deterministic intents: "human"/"agent"/"人工" asks for a person, "hi"/"你好" greets, the rest is out of scope. */
export const testClassifier = {
  classify(text: string) {
    if (/human|agent|person|人工/i.test(text)) return { intent: 'contact_human_agent', confidence: 0.99 };
    if (/^(hi|hello)\b|你好/i.test(text)) return { intent: 'greeting', confidence: 0.99 };
    return { intent: 'oos', confidence: 0.2 };
  },
};

export interface Workspace {
  app: App;
  handoff: HandoffQueueService;
  canned: CannedResponses;
  socket: AgentSocket;
  fake: RecordingChannel;
  stop(): Promise<void>;
}

/** Starts an app as main.ts wires it (workspace routes, agent socket, onTurn, hand-off callback). */
export async function startWorkspace(env: Record<string, string>): Promise<Workspace> {
  const fake = new RecordingChannel();
  const app = await startTestApp(env, { classifier: testClassifier, extraChannels: () => [fake] });
  const handoff = app.handoffQueue;
  const canned = CannedResponses.fromConfig(app.config.configDir, app.store.db);
  return { app, handoff, canned, socket: app.agentSocket!, fake, stop: () => app.stop() };
}

/** One customer message on the fake channel through the real pipeline. */
export function customerSays(app: App, conversation: string, text: string, id = `${conversation}:${Math.random().toString(36).slice(2)}`): Promise<TurnResult> {
  return app.pipeline.handle({ id, channel: 'fake', conversation, sender: { id: `u-${conversation}` }, text, attachments: [], receivedAt: new Date() });
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** Sends a request with JSON body and bearer token; returns status + parsed body. */
export async function call(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, headers: { ...auth(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** Waits until `check` passes (or fails with the last error after `ms`). */
export async function eventually(check: () => Promise<void> | void, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
