import { sql } from 'kysely';
import { AppError } from '../core/errors.js';
import type { Translator } from '../core/i18n.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { InboundMessage, Locale, OutboundMessage } from '../core/message.js';
import type { Metrics } from '../core/metrics.js';
import type { ParticipantService } from '../crm/conversations/participant.service.js';
import type { TurnLogRepository } from '../crm/conversations/turn-log.repository.js';
import type { Db } from '../storage/database.js';
import type { Coordination } from '../storage/coordination.js';
import { Composer, type Middleware } from './composer.js';
import type { FlowContext, SessionState } from './flow-context.js';
import type { FlowServices } from './flow-services.js';
import { retellQueued } from './handoff.flow.js';
import { keywordCommands } from './keywords.js';
import { RecentKeys } from './recent-keys.js';
import type { FlowRouter } from './router.js';
import { chooseLocale, understand, type IntentClassifier } from './understand.js';

// Replies queued as notices about the conversation itself (sent whoever owns the thread).
const SYSTEM_NOTICES = new WeakSet<OutboundMessage>();

/** Longest message text accepted from any channel. */
export const MAX_TEXT_LENGTH = 4000;

export interface TurnResult {
  status: 'processed' | 'duplicate' | 'held';
  conversationId: string;
  customerId: string;
  locale: Locale;
  intent?: string;
  /** Replies committed for this message (for a duplicate: the ones the first delivery produced). */
  replies: OutboundMessage[];
}

export interface PipelineDeps {
  db: Db;
  participants: ParticipantService;
  turnLog: TurnLogRepository;
  coordination: Coordination;
  classifier: IntentClassifier;
  router: FlowRouter;
  translator: Translator;
  services: FlowServices;
  metrics: Metrics;
  log: Logger;
  defaultLocale: Locale;
  /** Channels whose replies are handed back to the caller (web chat, console) rather than pushed. */
  isInline(channel: string): boolean;
  /** Called after a commit that queued push deliveries. */
  onQueued(): void;
  /** Called with every committed turn (agent consoles, mirrors). */
  onTurn?(result: TurnResult, message: InboundMessage): void;
  /** Stages between the keyword commands and understanding (e.g. bare survey scores, ticket numbers). */
  beforeUnderstanding?: Middleware<FlowContext>[];
}

/** The lock that serialises one conversation's turns (and ownership switches) across instances. */
export function conversationLockKey(channel: string, externalId: string): string {
  return `conv:${channel}:${externalId}`;
}

/**
 * The one path every inbound message takes (DESIGN §1): dedupe → identify → serialise →
 * ownership → keywords → understand → route, then one commit of the inbound record, the replies
 * (into the outbox) and the new conversation state.
 */
export class Pipeline {
  private readonly chain: Composer<FlowContext>;
  private readonly recent = new RecentKeys(100_000);
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly meters = new Map<string, { turns: { inc(): void }; seconds: { observe(v: number): void } }>();

  constructor(private readonly deps: PipelineDeps) {
    this.chain = new Composer<FlowContext>('pipeline').use(
      ownershipGate,
      keywordCommands,
      ...(deps.beforeUnderstanding ?? []),
      understand(deps.classifier, deps.metrics),
      deps.router.middleware(),
    );
  }

  /** Adds a stage before routing (later issues: hand-off triggers, rate limits). */
  use(middleware: Middleware<FlowContext>): void {
    this.chain.use(middleware);
  }

  async handle(inbound: InboundMessage): Promise<TurnResult> {
    const message = storable(inbound);
    validateInbound(message);
    this.inFlight++;
    const started = performance.now();
    try {
      const result = await this.turn(message);
      this.meter(message.channel, result.status, (performance.now() - started) / 1000);
      return result;
    } finally {
      if (--this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
    }
  }

  // prom-client hashes the label object on every call; the per-label children are looked up once.
  private meter(channel: string, status: TurnResult['status'], seconds: number): void {
    const key = `${channel}\u0000${status}`;
    let m = this.meters.get(key);
    if (!m) {
      m = { turns: this.deps.metrics.turns.labels({ channel, status }), seconds: this.deps.metrics.turnSeconds.labels({ channel }) };
      this.meters.set(key, m);
    }
    m.turns.inc();
    m.seconds.observe(seconds);
  }

  /** Resolves when no turn is in progress (graceful shutdown). */
  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async turn(message: InboundMessage): Promise<TurnResult> {
    const dedupeKey = `${message.channel}\u0000${message.id}`;
    const lockKey = conversationLockKey(message.channel, message.conversation);
    return this.deps.coordination.withLock(lockKey, 30_000, 15_000, async () => {
      // Resolved under the lock: the previous turn of this conversation may have changed the row.
      const { customer, conversation } = await this.deps.participants.resolve(message);
      if (this.recent.has(dedupeKey) || (await this.seenElsewhere(message))) {
        return this.duplicate(message, conversation.id, customer.id);
      }
      const ctx = this.context(message, customer, conversation);
      await this.runChain(ctx);
      const committed = await this.commit(ctx);
      this.recent.add(dedupeKey);
      return committed;
    });
  }

  // With several instances, another one may have handled this message already.
  private async seenElsewhere(message: InboundMessage): Promise<boolean> {
    if (this.deps.coordination.kind === 'memory') return false;
    const row = await this.deps.db
      .selectFrom('inbound_messages')
      .select('id')
      .where('channel', '=', message.channel)
      .where('external_id', '=', message.id)
      .executeTakeFirst();
    return row !== undefined;
  }

  private context(message: InboundMessage, customer: FlowContext['customer'], conversation: FlowContext['conversation']): FlowContext {
    const { translator, services, log, defaultLocale } = this.deps;
    const locale = chooseLocale(message, conversation.locale ?? customer.locale, defaultLocale);
    const session = cloneJson((conversation.state ?? {}) as SessionState);
    const replies: OutboundMessage[] = [];
    let turnLog: Logger | undefined;
    return {
      message, customer, conversation, session, locale, replies, services, status: 'processed',
      // Built on first use: most turns never log, and a pino child per turn shows in the profile.
      get log() {
        return (turnLog ??= log.child({ conversation: conversation.id }));
      },
      reply: (m, options) => {
        const message = typeof m === 'string' ? { text: m } : m;
        if (options?.system) SYSTEM_NOTICES.add(message);
        replies.push(message);
      },
      t: (key, vars) => translator.t(locale, key, vars),
      idempotencyKey: (suffix) => `${message.channel}:${message.id}:${suffix}`,
    };
  }

  private async runChain(ctx: FlowContext): Promise<void> {
    try {
      await this.chain.run(ctx);
    } catch (err) {
      // The message is still recorded and answered; the error is logged with its context.
      ctx.log.error({ err, flow: ctx.flowName }, 'flow failed');
      ctx.replies.length = 0;
      ctx.reply(ctx.t('error.generic'));
    }
  }

  private async commit(ctx: FlowContext): Promise<TurnResult> {
    const { message, conversation } = ctx;
    const inline = this.deps.isInline(message.channel);
    const commit = await this.deps.turnLog.commit({
      inbound: {
        id: newId(), channel: message.channel, externalId: message.id, conversationId: conversation.id,
        customerId: ctx.customer.id, text: message.text ?? null, payload: message.payload ?? null, locale: ctx.locale,
        intent: ctx.understanding?.intent ?? null, confidence: ctx.understanding?.confidence ?? null,
        flow: ctx.flowName ?? null, receivedAt: message.receivedAt,
      },
      replies: ctx.replies.map((m) => ({ message: m, kind: SYSTEM_NOTICES.has(m) ? ('system' as const) : ('reply' as const), delivered: inline })),
      recipient: message.conversation,
      state: ctx.session,
    });
    // Redelivered after a restart (no longer in the recent set): the first delivery's replies stand.
    if (!commit.accepted) return this.duplicate(message, conversation.id, ctx.customer.id);
    this.deps.participants.remember({ ...conversation, state: ctx.session, locale: ctx.locale, last_message_at: message.receivedAt, version: conversation.version + 1 });
    if (!inline && commit.outbox.length > 0) this.deps.onQueued();
    const result: TurnResult = {
      status: ctx.status, conversationId: conversation.id, customerId: ctx.customer.id,
      locale: ctx.locale, intent: ctx.understanding?.intent, replies: commit.outbox.map((o) => o.message),
    };
    this.deps.onTurn?.(result, message);
    return result;
  }

  private async duplicate(message: InboundMessage, conversationId: string, customerId: string): Promise<TurnResult> {
    const rows = await sql<{ message: OutboundMessage; locale: string | null }>`
      select o.message, i.locale from inbound_messages i join outbox o on o.inbound_id = i.id
      where i.channel = ${message.channel} and i.external_id = ${message.id} order by o.id`.execute(this.deps.db);
    const locale = (rows.rows[0]?.locale as Locale | undefined) ?? this.deps.defaultLocale;
    return { status: 'duplicate', conversationId, customerId, locale, replies: rows.rows.map((r) => r.message) };
  }
}

/**
 * An agent-owned (or queued) thread never gets a bot reply: the message is only recorded — except
 * the queue notice for the very message that asked for the hand-off, redelivered after a crash.
 */
const ownershipGate: Middleware<FlowContext> = async (ctx, next) => {
  if (ctx.conversation.owner === 'bot') return next();
  ctx.status = 'held';
  ctx.flowName = `held.${ctx.conversation.owner}`;
  if (ctx.conversation.owner === 'queue') await retellQueued(ctx);
};

// PostgreSQL text and jsonb cannot hold NUL or an unpaired UTF-16 surrogate; a platform can send
// both. Left in, the turn's commit fails and the platform redelivers the message forever.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const clean = (s: string) => s.replace(UNSTORABLE, '\ufffd');
const cleanOptional = (s: unknown) => (typeof s === 'string' ? clean(s) : undefined);

/** The message with every stored string made storable (U+FFFD for what PostgreSQL refuses). */
function storable(m: InboundMessage): InboundMessage {
  const name = cleanOptional(m.sender?.name);
  return {
    ...m, id: cleanOptional(m.id) ?? '', conversation: cleanOptional(m.conversation) ?? '',
    sender: { ...m.sender, id: cleanOptional(m.sender?.id) ?? '', name },
    text: cleanOptional(m.text), payload: cleanOptional(m.payload),
  };
}

function validateInbound(message: InboundMessage): void {
  if (!message.id || message.id.length > 200) throw new AppError('bad_request', 'message id is missing or longer than 200 characters');
  if (!message.conversation || !message.sender?.id) throw new AppError('bad_request', 'message has no conversation or sender');
  if (message.text !== undefined && message.text.length > MAX_TEXT_LENGTH) {
    throw new AppError('payload_too_large', `text is ${message.text.length} characters; the limit is ${MAX_TEXT_LENGTH}`);
  }
  if (!message.text?.trim() && !message.payload) throw new AppError('bad_request', 'message has neither text nor a button payload');
}

/** Deep copy of conversation state (JSON-shaped): much cheaper than structuredClone for small objects. */
function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  // Anything but a plain object (a Date a flow put in its state) keeps structuredClone's semantics.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const k in value) out[k] = cloneJson((value as Record<string, unknown>)[k]);
  return out as T;
}
