import { OutboxRepository } from '../../channels/delivery/outbox.repository.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Translator } from '../../core/i18n.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { toLocale, type InboundMessage, type Locale } from '../../core/message.js';
import type { Db } from '../../storage/database.js';
import type { Coordination } from '../../storage/coordination.js';
import type { Conversation, ConversationOwner } from '../../storage/schema.js';
import type { TurnResult } from '../../flows/pipeline.js';
import { changeOwner, DEFAULT_QUEUE_WEIGHTS, HandoffQueueRepository, type OwnerChange, type QueueWeights } from './handoff-queue.repository.js';
import { claimRequest, closeRequests, requeueRequest, suppressPendingReplies } from './handoff-request.queries.js';
import { AGENT_EVENTS, AGENT_INBOUND, type Actor, type AgentEvent } from './handoff.types.js';
import { conversationLockKey } from '../../flows/pipeline.js';

export interface HandoffQueueDeps {
  db: Db;
  translator: Translator;
  coordination: Coordination;
  /** Wakes the outbox sender (every instance) after a notice or an agent message was queued. */
  wake: () => void;
  /** Drops the pipeline's cached row of a conversation (ParticipantService.invalidate). */
  invalidate: (conversationId: string) => void;
  clock?: Clock;
  weights?: QueueWeights;
  log?: Logger;
  /**
   * Writes a staff member's claim, release, assignment, hand-back or resolve to the audit log, in
   * the transaction of the change (so a crash can never leave one without the other).
   */
  audit?: (trx: Db, actor: Actor, action: string, subject: { type: 'conversation'; id: string; customerId: string }, detail?: Record<string, unknown>) => Promise<void>;
}

type ConversationRow = NonNullable<Awaited<ReturnType<HandoffQueueRepository['findWithLocale']>>>;

interface Transition {
  event: AgentEvent['type'];
  change: OwnerChange;
  /** Reply key of the notice the customer gets, with its variables. */
  notice: { key: string; vars?: Record<string, string> };
  /** Request-row writes in the same transaction. */
  effects(trx: Db, row: Conversation): Promise<unknown>;
  reason?: string;
  /** Audit-log action for a staff member's change (the system's idle hand-back is not audited). */
  audit?: { action: string; detail?: Record<string, unknown> };
}

/** The system actor of jobs (idle hand-back). */
export const SYSTEM_ACTOR: Actor = { id: 'system', name: 'system', role: 'system' };

/**
 * The agent workspace's rules: who holds a thread (bot | queue | agent), the prioritised queue,
 * agent messages and notes. Every switch is a compare-and-set on the conversation owner in one
 * transaction with the hand-off request and the customer's notice, then the pipeline's cached row
 * is dropped and a live event goes to the agent consoles of every instance.
 */
export class HandoffQueueService {
  readonly repo: HandoffQueueRepository;
  private readonly clock: Clock;
  private readonly weights: QueueWeights;

  constructor(private readonly deps: HandoffQueueDeps) {
    this.repo = new HandoffQueueRepository(deps.db);
    this.clock = deps.clock ?? systemClock;
    this.weights = deps.weights ?? DEFAULT_QUEUE_WEIGHTS;
  }

  /** Waiting conversations, highest priority first (tier, reason, waiting time, SLA due). */
  queue(limit = 50) {
    return this.repo.queue(this.clock.now(), this.weights, limit);
  }

  /** An agent takes a queued thread, or any bot-owned one (reason agent_pick); 409 when someone was first. */
  async claim(conversationId: string, agent: Actor): Promise<Conversation> {
    const conv = await this.load(conversationId);
    return this.transition(conv, agent, {
      event: 'conversation.claimed',
      audit: { action: 'conversation.claim' },
      change: { from: ['bot', 'queue'], to: 'agent', agentId: agent.id },
      notice: { key: 'handoff.agent_joined', vars: { agent: agent.name } },
      effects: async (trx, row) => {
        const reason = await claimRequest(trx, { conversationId, customerId: row.customer_id, agentId: agent.id, at: this.clock.now(), reason: 'agent_pick', version: row.version });
        await suppressPendingReplies(trx, conversationId, `agent ${agent.name} took over`);
        return reason;
      },
    });
  }

  /** The holding agent (or an admin) puts the thread back in the queue. */
  async release(conversationId: string, agent: Actor): Promise<Conversation> {
    const conv = await this.load(conversationId);
    return this.transition(conv, agent, {
      event: 'conversation.released',
      audit: { action: 'conversation.release' },
      change: { from: ['agent'], to: 'queue', agentId: null, heldBy: heldBy(agent) },
      notice: { key: 'handoff.requeued', vars: { agent: await this.holderName(conv, agent) } },
      effects: (trx, row) => requeueRequest(trx, { conversationId, customerId: row.customer_id, at: this.clock.now(), version: row.version }),
    });
  }

  /** An admin gives the thread to an agent, whoever holds it now. */
  async assign(conversationId: string, agentId: string, by: Actor): Promise<Conversation> {
    const target = await this.repo.findAgent(agentId);
    if (!target) throw new AppError('not_found', `agent ${agentId} does not exist, is disabled or is not an agent`);
    const conv = await this.load(conversationId);
    return this.transition(conv, by, {
      event: 'conversation.assigned',
      audit: { action: 'conversation.assign', detail: { agentId: target.id } },
      change: { from: ['bot', 'queue', 'agent'], to: 'agent', agentId: target.id },
      notice: { key: 'handoff.agent_joined', vars: { agent: target.name } },
      effects: async (trx, row) => {
        await claimRequest(trx, { conversationId, customerId: row.customer_id, agentId: target.id, at: this.clock.now(), reason: 'assigned', version: row.version });
        await suppressPendingReplies(trx, conversationId, `assigned to ${target.name}`);
      },
    });
  }

  /** The holding agent (or an admin) gives the thread back to the bot, which answers again. */
  async handBack(conversationId: string, agent: Actor): Promise<Conversation> {
    const conv = await this.load(conversationId);
    return this.transition(conv, agent, {
      event: 'conversation.handed_back',
      audit: { action: 'conversation.handback' },
      change: { from: ['agent'], to: 'bot', agentId: null, heldBy: heldBy(agent) },
      notice: { key: 'handoff.bot_back' },
      effects: (trx) => closeRequests(trx, conversationId, this.clock.now()),
    });
  }

  /** Closes the hand-off as solved (from the queue or from the holding agent); the bot resumes. */
  async resolve(conversationId: string, agent: Actor): Promise<Conversation> {
    const conv = await this.load(conversationId);
    return this.transition(conv, agent, {
      event: 'conversation.resolved',
      audit: { action: 'conversation.resolve' },
      change: { from: ['agent', 'queue'], to: 'bot', agentId: null, heldBy: heldBy(agent) },
      notice: { key: 'handoff.resolved' },
      effects: (trx) => closeRequests(trx, conversationId, this.clock.now()),
    });
  }

  /**
   * Agent-owned threads with no agent or customer message for `idleMinutes` go back to the bot
   * (the cron job). Returns the conversations handed back.
   */
  async handBackIdle(now: Date, idleMinutes: number): Promise<string[]> {
    const before = new Date(now.getTime() - idleMinutes * 60_000);
    const done: string[] = [];
    for (const idle of await this.repo.idleAgentThreads(before)) {
      const conv = await this.repo.findWithLocale(idle.id);
      if (!conv) continue;
      const changed = await this.transition(conv, SYSTEM_ACTOR, {
        event: 'conversation.handed_back', reason: 'idle',
        change: { from: ['agent'], to: 'bot', agentId: null, heldBy: idle.agent_id ?? undefined, idleBefore: before },
        notice: { key: 'handoff.idle_back' },
        effects: (trx) => closeRequests(trx, idle.id, now),
      }).catch((err: unknown) => (err instanceof AppError && err.code === 'conflict' ? undefined : Promise.reject(err)));
      if (changed) done.push(idle.id);
    }
    return done;
  }

  /** Queues an agent's message (outbox kind 'agent') — only while this agent holds the thread. */
  async sendAsAgent(conversationId: string, agent: Actor, text: string, clientMessageId?: string): Promise<{ dedupeKey: string; queued: boolean }> {
    const conv = await this.load(conversationId);
    const dedupeKey = `agent:${conversationId}:${clientMessageId ? `${agent.id}:${clientMessageId}` : newId()}`;
    const queued = await this.deps.db.transaction().execute(async (trx) => {
      // Row lock: a release or hand-back cannot slip between the check and the insert.
      const row = await trx.selectFrom('conversations').select(['owner', 'agent_id']).where('id', '=', conversationId).forUpdate().executeTakeFirst();
      if (row?.owner !== 'agent' || row.agent_id !== agent.id) {
        throw new AppError('conflict', `agent ${agent.name} does not hold conversation ${conversationId} (owner: ${row?.owner ?? 'none'}); claim it first`);
      }
      return new OutboxRepository(trx).enqueue({
        dedupeKey, channel: conv.channel, recipient: conv.external_id, kind: 'agent', author: agent.name,
        message: { text }, conversationId, customerId: conv.customer_id,
      });
    });
    if (queued) {
      this.deps.wake();
      await this.publish({ type: 'conversation.agent_message', conversationId, owner: 'agent', agentId: agent.id, agentName: agent.name, actor: pick(agent), text, at: this.clock.now().toISOString() });
    }
    return { dedupeKey, queued };
  }

  /**
   * An internal note on the thread (never shown to the customer). `audit` runs in the insert's
   * transaction and gets the thread's customer (the note and its audit row commit together).
   */
  async addNote(conversationId: string, agent: Actor, text: string, audit?: (trx: Db, customerId: string) => Promise<void>) {
    const conv = await this.load(conversationId);
    const note = await this.deps.db.transaction().execute(async (trx) => {
      const added = await new HandoffQueueRepository(trx).addNote({ conversationId, customerId: conv.customer_id, authorId: agent.id, authorName: agent.name, text, at: this.clock.now() });
      await audit?.(trx, conv.customer_id);
      return added;
    });
    await this.publish({ type: 'conversation.note', conversationId, owner: conv.owner, agentId: conv.agent_id, actor: pick(agent), text, at: this.clock.now().toISOString() });
    return note;
  }

  /** For HandoffService's `onRequested`: tells the consoles a thread joined the queue. */
  announceQueued(r: { requestId: string; conversationId: string; reason: string }): void {
    this.deps.invalidate(r.conversationId);
    void this.publish({ type: 'conversation.queued', conversationId: r.conversationId, owner: 'queue', agentId: null, reason: r.reason, at: this.clock.now().toISOString() });
  }

  /**
   * For the pipeline's `onTurn`: a customer message in a queued or agent-owned thread goes live to
   * the consoles (the bot stayed silent, so a person has to see it). Never throws.
   */
  publishTurn(result: TurnResult, message: InboundMessage): void {
    if (result.status !== 'held') return;
    void (async () => {
      const row = await this.deps.db.selectFrom('conversations').select(['owner', 'agent_id']).where('id', '=', result.conversationId).executeTakeFirst();
      if (!row) return;
      const event: AgentEvent = {
        type: 'conversation.customer_message', conversationId: result.conversationId, owner: row.owner, agentId: row.agent_id,
        text: message.text ?? message.payload ?? '', at: message.receivedAt.toISOString(),
      };
      await this.deps.coordination.publish(AGENT_INBOUND, JSON.stringify(event));
    })().catch((err: unknown) => this.deps.log?.warn({ err, conversation: result.conversationId }, 'live customer message not published'));
  }

  private async load(conversationId: string): Promise<ConversationRow> {
    const conv = /^[0-9a-f-]{36}$/i.test(conversationId) ? await this.repo.findWithLocale(conversationId) : undefined;
    if (!conv) throw new AppError('not_found', `conversation ${conversationId} does not exist`);
    return conv;
  }

  private async holderName(conv: ConversationRow, actor: Actor): Promise<string> {
    if (conv.agent_id === actor.id || !conv.agent_id) return actor.name;
    return (await this.repo.findAgent(conv.agent_id))?.name ?? actor.name;
  }

  /**
   * The switch itself, under the conversation's turn lock (so a turn in progress finishes first
   * and the next one reads the new owner): compare-and-set + request row + notice in one
   * transaction; then cache invalidation, sender wake-up and the live event.
   */
  private async transition(conv: ConversationRow, actor: Actor, t: Transition): Promise<Conversation> {
    const lockKey = conversationLockKey(conv.channel, conv.external_id);
    const changed = await this.deps.coordination.withLock(lockKey, 10_000, 8_000, () =>
      this.deps.db.transaction().execute(async (trx) => {
        const row = await changeOwner(trx, conv.id, t.change);
        if (!row) return undefined;
        await t.effects(trx, row);
        if (t.audit && actor.role !== 'system') {
          const detail = { ...t.audit.detail, ...(actor.via ? { via: actor.via } : {}) };
          await this.deps.audit?.(trx, actor, t.audit.action, { type: 'conversation', id: conv.id, customerId: row.customer_id }, Object.keys(detail).length ? detail : undefined);
        }
        await new OutboxRepository(trx).enqueue({
          dedupeKey: `handoff:${t.event}:${conv.id}:${row.version}`, channel: conv.channel, recipient: conv.external_id, kind: 'system',
          message: { text: this.deps.translator.t(this.localeOf(conv), t.notice.key, t.notice.vars) }, conversationId: conv.id, customerId: conv.customer_id,
        });
        return row;
      }),
    );
    this.deps.invalidate(conv.id);
    if (!changed) throw await this.conflict(conv.id, t.change.to);
    this.deps.wake();
    const agentName = changed.agent_id ? (changed.agent_id === actor.id ? actor.name : ((await this.repo.findAgent(changed.agent_id))?.name ?? null)) : null;
    await this.publish({ type: t.event, conversationId: conv.id, owner: changed.owner, agentId: changed.agent_id, agentName, actor: pick(actor), reason: t.reason, at: this.clock.now().toISOString() });
    return changed;
  }

  private async conflict(conversationId: string, wanted: ConversationOwner): Promise<AppError> {
    const now = await this.repo.summary(conversationId);
    const holder = now?.owner === 'agent' ? `agent ${now.agentName ?? now.agentId}` : now?.owner === 'queue' ? 'the queue' : now ? 'the bot' : 'nobody';
    return new AppError('conflict', `conversation ${conversationId} cannot go to ${wanted}: it is held by ${holder}`, { owner: now?.owner, agentId: now?.agentId });
  }

  private localeOf(conv: ConversationRow): Locale {
    return toLocale(conv.locale) ?? toLocale(conv.customer_locale) ?? this.deps.translator.defaultLocale;
  }

  private async publish(event: AgentEvent): Promise<void> {
    await this.deps.coordination.publish(AGENT_EVENTS, JSON.stringify(event)).catch((err: unknown) => this.deps.log?.warn({ err, event: event.type }, 'live agent event not published'));
  }
}

// Admins act on any thread; an agent only on the one they hold.
function heldBy(actor: Actor): string | undefined {
  return actor.role === 'admin' ? undefined : actor.id;
}

function pick(a: Actor) {
  return { id: a.id, name: a.name };
}
