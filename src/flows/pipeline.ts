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

  async handle(message: InboundMessage): Promise<TurnResult> {
    validateInbound(message);
    this.inFlight++;
    const started = performance.now();
    try {
      const result = await this.turn(message);
      this.deps.metrics.turns.inc({ channel: message.channel, status: result.status });
      this.deps.metrics.turnSeconds.observe({ channel: message.channel }, (performance.now() - started) / 1000);
      return result;
    } finally {
      if (--this.inFlight === 0) this.idleWaiters.splice(0).forEach((w) => w());
    }
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
    const session = structuredClone((conversation.state ?? {}) as SessionState);
    const replies: OutboundMessage[] = [];
    return {
      message, customer, conversation, session, locale, replies, services, status: 'processed',
      log: log.child({ conversation: conversation.id }),
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

/** An agent-owned (or queued) thread never gets a bot reply: the message is only recorded. */
const ownershipGate: Middleware<FlowContext> = async (ctx, next) => {
  if (ctx.conversation.owner === 'bot') return next();
  ctx.status = 'held';
  ctx.flowName = `held.${ctx.conversation.owner}`;
};

function validateInbound(message: InboundMessage): void {
  if (!message.id || message.id.length > 200) throw new AppError('bad_request', 'message id is missing or longer than 200 characters');
  if (!message.conversation || !message.sender?.id) throw new AppError('bad_request', 'message has no conversation or sender');
  if (message.text !== undefined && message.text.length > MAX_TEXT_LENGTH) {
    throw new AppError('payload_too_large', `text is ${message.text.length} characters; the limit is ${MAX_TEXT_LENGTH}`);
  }
  if (!message.text?.trim() && !message.payload) throw new AppError('bad_request', 'message has neither text nor a button payload');
}
