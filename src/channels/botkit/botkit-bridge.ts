import express, { Router, type Request, type Response } from 'express';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../core/logger.js';
import type { ChannelId, OutboundMessage } from '../../core/message.js';
import { DeliveryError, type ChannelAdapter, type InboundHandler, type SendResult } from '../channel-adapter.js';
import { activityToInbound, outboundToBotkit, renderStyleFor, toDeliveryError, type BotkitRenderStyle } from './botkit-activity.js';
import type { BotkitController, BotkitMessageLike, BotWorkerLike, ConversationReferenceLike } from './botkit-loader.js';

export interface BotkitBridgeOptions {
  /** Short name: the channel id becomes `botkit:<name>`, the routes `/botkit/<name>/…`. */
  name: string;
  /** A Botkit controller built over the adapter (see `buildBotkitBridge`). */
  controller: BotkitController;
  handle: InboundHandler;
  log: Logger;
  /** Overrides the rendering picked from the adapter (see `renderStyleFor`). */
  render?: BotkitRenderStyle;
  /** Conversation references kept in memory (least recently used dropped first). */
  maxReferences?: number;
  /** Timers the adapter started without keeping a handle (WebAdapter heartbeat): cleared on stop. */
  timers?: NodeJS.Timeout[];
}

/** The web adapter's `channelId` for turns that came over its WebSocket; `ws`'s OPEN state. */
const SOCKET_CHANNEL = 'websocket';
const SOCKET_OPEN = 1;

/** Channel names become ids and URL segments: keep them short and plain. */
export const BOTKIT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * Feeds any Botkit 4 adapter (Twilio SMS, Messenger, Webex, the web adapter, Bot Framework) into
 * Patron's pipeline. Inbound `message` activities become InboundMessages and are committed inside
 * Botkit's turn (so a failed commit answers 500 and the platform redelivers); nothing is said in
 * that turn — replies come back later through the outbox and `send`, proactively, over the
 * conversation reference remembered from the customer's last message.
 */
export class BotkitBridge implements ChannelAdapter {
  readonly id: ChannelId;
  readonly inline = false;
  readonly name: string;
  private readonly references = new Map<string, ConversationReferenceLike>();
  private readonly style: BotkitRenderStyle;
  private readonly maxReferences: number;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private lastError?: string;
  private detachers: Array<() => void> = [];
  private readonly attached = new Map<Server, () => void>();

  constructor(private readonly options: BotkitBridgeOptions) {
    if (!BOTKIT_NAME.test(options.name)) throw new Error(`botkit bridge name "${options.name}" must match ${BOTKIT_NAME}`);
    this.name = options.name;
    this.id = `botkit:${options.name}`;
    this.style = options.render ?? renderStyleFor(options.controller.adapter);
    this.maxReferences = options.maxReferences ?? 100_000;
    options.controller.middleware.ingest.use((_bot, message, next) => {
      this.ingest(message).then(() => next(), (err: unknown) => next(err));
    });
  }

  /** The Botkit controller (for plug-ins that want Botkit's own features next to Patron). */
  get controller(): BotkitController {
    return this.options.controller;
  }

  async start(): Promise<void> {
    if (this.state === 'stopped') throw new Error(`${this.id} cannot be restarted once stopped`);
    this.state = 'running';
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const timer of this.options.timers ?? []) clearInterval(timer);
    for (const detach of this.detachers.splice(0)) detach();
    const wss = this.options.controller.adapter?.wss;
    if (wss) {
      for (const client of wss.clients ?? []) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
    await this.options.controller.shutdown().catch((err: unknown) => this.options.log.warn({ err }, 'botkit shutdown failed'));
  }

  health(): { ok: boolean; detail?: string } {
    if (this.state !== 'running') return { ok: false, detail: this.state };
    return { ok: true, detail: this.lastError ? `last send failed: ${this.lastError}` : this.adapterName() };
  }

  /** Conversation ids this instance can reach right now (known references). */
  knows(conversation: string): boolean {
    return this.references.has(conversation);
  }

  async send(conversation: string, message: OutboundMessage): Promise<SendResult> {
    const reference = this.references.get(conversation);
    if (!reference) {
      throw new DeliveryError('permanent', `${this.id} has no conversation reference for ${conversation} (no message from it since this instance started)`);
    }
    this.checkReachable(conversation, reference);
    try {
      const bot = await this.options.controller.spawn();
      await bot.changeContext(reference);
      const sent = await this.say(bot, outboundToBotkit(message, this.style));
      this.lastError = undefined;
      const id = (sent as { id?: unknown } | undefined)?.id;
      return typeof id === 'string' ? { platformMessageId: id } : {};
    } catch (err) {
      const failure = toDeliveryError(err, `${this.id} send to ${conversation}`);
      this.lastError = failure.message;
      throw failure;
    }
  }

  /**
   * Webhook routes: `POST /botkit/<name>/messages` runs the adapter's `processActivity`. Mount as
   * an ordinary router (after the JSON parser); form bodies (Twilio) are parsed here.
   */
  routes(): Router[] {
    const router = Router();
    const adapter = this.options.controller.adapter;
    const form = express.urlencoded({ extended: true, limit: '256kb' });
    router.post(`/botkit/${this.name}/messages`, form, (req: Request, res: Response) => {
      if (this.state !== 'running') {
        res.status(503).json({ error: 'unavailable', message: `${this.id} is not running` });
        return;
      }
      const logic = (context: unknown) => this.options.controller.handleTurn(context);
      Promise.resolve(adapter.processActivity(req, res, logic)).catch((err: unknown) => {
        this.options.log.warn({ err, channel: this.id }, 'botkit webhook turn failed');
        if (!res.headersSent) res.status(500).json({ error: 'internal', message: 'the message could not be processed' });
      });
    });
    return [router];
  }

  /**
   * Serves the adapter's WebSocket (the web adapter built with `noServer: true`) on
   * `/botkit/<name>/ws` of `server`; other upgrade paths are left alone. Returns a detach function;
   * attaching to the same server twice returns the first one (two handlers would both answer).
   */
  attachWebSocket(server: Server): () => void {
    const wss = this.options.controller.adapter?.wss;
    if (!wss) throw new Error(`${this.id}: the ${this.adapterName()} has no WebSocket server (only the web adapter built with noServer has one)`);
    const existing = this.attached.get(server);
    if (existing) return existing;
    const path = `/botkit/${this.name}/ws`;
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== path) return;
      if (this.state !== 'running') {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      socket.on('error', () => socket.destroy());
      wss.handleUpgrade(req, socket, head, (ws: unknown) => wss.emit('connection', ws, req));
    };
    server.on('upgrade', onUpgrade);
    const detach = () => {
      server.off('upgrade', onUpgrade);
      this.attached.delete(server);
    };
    this.attached.set(server, detach);
    this.detachers.push(detach);
    return detach;
  }

  private async ingest(message: BotkitMessageLike): Promise<void> {
    const activity = message.incoming_message;
    if (activity?.type !== 'message') return;
    try {
      if (this.state !== 'running') throw new Error(`${this.id} is not running`);
      const inbound = activityToInbound(activity, this.id);
      if (!inbound) {
        this.options.log.warn({ channel: this.id, type: activity.type }, 'botkit activity without conversation or sender ignored');
        return;
      }
      this.remember(inbound.conversation, message.reference);
      await this.options.handle(inbound);
    } catch (err) {
      // A webhook turn fails with a 500 and the platform delivers it again. A web adapter socket
      // turn has nobody to answer: the adapter would only console.error it, so it is logged here.
      if (activity.channelId !== SOCKET_CHANNEL || !this.isWebAdapter()) throw err;
      this.options.log.error({ err, channel: this.id, conversation: activity.conversation?.id }, 'botkit socket message could not be processed; it is lost');
    }
  }

  private remember(conversation: string, reference: ConversationReferenceLike | undefined): void {
    if (!reference?.conversation?.id) return;
    this.references.delete(conversation);
    this.references.set(conversation, reference);
    if (this.references.size > this.maxReferences) {
      const oldest = this.references.keys().next().value;
      if (oldest !== undefined) this.references.delete(oldest);
    }
  }

  private isWebAdapter(): boolean {
    return typeof this.options.controller.adapter?.isConnected === 'function';
  }

  // The web adapter drops what it cannot deliver with only a console line (no socket, or one that
  // is closing): refuse instead, so the outbox retries once the client is back.
  private checkReachable(conversation: string, reference: ConversationReferenceLike): void {
    const adapter = this.options.controller.adapter;
    if (!this.isWebAdapter()) return;
    if (reference.channelId === 'webhook') {
      throw new DeliveryError('permanent', `${this.id}: web adapter webhook clients cannot receive pushed messages (${conversation})`);
    }
    const user = reference.user?.id ?? conversation;
    const socket = adapter.isConnected(user) ? adapter.getConnection?.(user) : undefined;
    if (!socket || (socket.readyState !== undefined && socket.readyState !== SOCKET_OPEN)) {
      throw new DeliveryError('retry', `${this.id}: web client ${conversation} is not connected`);
    }
  }

  // Botkit's `bot.say` loses errors from the adapter (they surface as unhandled rejections and
  // its promise never settles), so the send middleware is run here with the error kept.
  private say(bot: BotWorkerLike, message: Record<string, unknown>): Promise<unknown> {
    const activity = bot.ensureMessageFormat(message);
    return new Promise((resolve, reject) => {
      this.options.controller.middleware.send.run(bot, activity, (err, worker, final) => {
        if (err) return reject(err);
        Promise.resolve()
          .then(() => worker.getConfig('context').sendActivity(final))
          .then(resolve, reject);
      });
    });
  }

  private adapterName(): string {
    const adapter = this.options.controller.adapter;
    return String(adapter?.name ?? adapter?.constructor?.name ?? 'adapter');
  }
}
