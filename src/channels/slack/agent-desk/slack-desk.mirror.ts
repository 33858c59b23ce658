import type { App as BoltApp } from '@slack/bolt';
import type { Logger } from '../../../core/logger.js';
import { AGENT_EVENTS, AGENT_INBOUND, type AgentEvent } from '../../../crm/handoff/handoff.types.js';
import { conversationLockKey } from '../../../flows/pipeline.js';
import type { Coordination, Unsubscribe } from '../../../storage/coordination.js';
import { toDeliveryError } from '../slack-errors.js';
import { itemText, parentMessage } from './slack-desk-blocks.js';
import { CLAIM_LEASE_MS, type DeskThread, type SlackDeskRepository } from './slack-desk.repository.js';
import type { ThreadSummary } from './slack-desk.types.js';

export interface DeskMirrorDeps {
  repo: SlackDeskRepository;
  client: BoltApp['client'];
  token: string;
  channelId: string;
  coordination: Coordination;
  /** Looks up a conversation's channel and external id (for waiting out a turn in progress). */
  conversationKey: (conversationId: string) => Promise<{ channel: string; externalId: string } | undefined>;
  log: Logger;
}

export interface DeskMirrorOptions {
  /** How long a claimed item may stay unposted before a pass posts it again (default CLAIM_LEASE_MS). */
  leaseMs?: number;
  /** How often every active thread is synced again, besides the live events (default 60 s). */
  catchUpMs?: number;
  /** At most this many threads per catch-up pass; the next pass goes on from there (default 100). */
  catchUpBatch?: number;
  /** How long a failed post waits before it is tried again when Slack gives no Retry-After (default 5 s). */
  retryMs?: number;
  /** Longest wait between two probes of a desk channel Slack refuses (not_in_channel, is_archived…; default 15 min). */
  maxHoldMs?: number;
}

/** The thread's state decides what to do: open a lost parent, sync, or close after a missed hand-back. */
type MirrorRun = AgentEvent['type'] | 'catch-up';

/** A desk channel Slack refuses: nothing is posted to it before `probeAt`, and then only by a catch-up pass. */
interface ChannelHold {
  backoffMs: number;
  probeAt: number;
}

const OPENING = new Set<AgentEvent['type']>(['conversation.queued', 'conversation.claimed', 'conversation.assigned']);
const CLOSING = new Set<AgentEvent['type']>(['conversation.handed_back', 'conversation.resolved']);
const OWNERSHIP = new Set<AgentEvent['type']>([...OPENING, ...CLOSING, 'conversation.released']);
// A Slack call that fails puts the rest of the sync off by this much (or by Retry-After).
const RETRY_MS = 5_000;
const CATCH_UP_MS = 60_000;
const CATCH_UP_BATCH = 100;
const MAX_HOLD_MS = 15 * 60_000;

/**
 * Mirrors handed-off conversations into Slack threads. The live events only say "something
 * happened in conversation X"; what to post is read from the database (inbound messages, outbox,
 * notes) and each item is claimed in `slack_desk_posts` before it is posted, so a redelivered
 * event, a second instance or a restart never posts an item twice, and a missed event is caught
 * up by the next one. Nothing is lost to a crash either: a claim that never got posted is taken
 * back after a lease, and a catch-up pass (at start, then every `catchUpMs`) syncs every active
 * thread and opens one for every handed-off conversation without one, so in-flight work and events
 * missed while down (hand-offs included) are repaired without a new event.
 * When Slack refuses the channel itself (the bot was removed, the channel archived or deleted),
 * the channel is held: one error says what to fix, nothing is posted or claimed, and a catch-up
 * pass probes with one post after a backoff; the first post that goes through ends the hold.
 */
export class DeskMirror {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private unsubscribe: Unsubscribe[] = [];
  private running = false;
  private readonly leaseMs: number;
  private readonly catchUpMs: number;
  private readonly catchUpBatch: number;
  private catchUpTimer: NodeJS.Timeout | null = null;
  private catchingUp: Promise<void> | null = null;
  /** Where the next catch-up pass goes on (the last conversation id of a full page), null from the start. */
  private catchUpAfter: string | null = null;
  private readonly maxHoldMs: number;
  private readonly retryMs: number;
  // Held channels by id. Every thread of a channel would meet the same refusal, so it is the
  // channel that waits, not each thread (one probe per backoff instead of one call per thread per
  // pass). By channel, not one flag: a thread keeps the channel it was opened in.
  private readonly holds = new Map<string, ChannelHold>();

  constructor(
    private readonly deps: DeskMirrorDeps,
    options: DeskMirrorOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? CLAIM_LEASE_MS;
    this.catchUpMs = options.catchUpMs ?? CATCH_UP_MS;
    this.catchUpBatch = Math.max(1, options.catchUpBatch ?? CATCH_UP_BATCH);
    this.maxHoldMs = options.maxHoldMs ?? MAX_HOLD_MS;
    this.retryMs = options.retryMs ?? RETRY_MS;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const onMessage = (raw: string) => this.onEvent(raw);
    this.unsubscribe = [await this.deps.coordination.subscribe(AGENT_EVENTS, onMessage), await this.deps.coordination.subscribe(AGENT_INBOUND, onMessage)];
    // In the background: start-up never waits on Slack.
    this.scheduleCatchUp(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.catchUpTimer) clearTimeout(this.catchUpTimer);
    this.catchUpTimer = null;
    await Promise.all(this.unsubscribe.map((u) => u().catch(() => {})));
    this.unsubscribe = [];
    await this.catchingUp;
    await Promise.allSettled([...this.chains.values()]);
  }

  /**
   * One catch-up pass: syncs up to `catchUpBatch` active threads (the next pass takes the next
   * page), which posts items whose claim outlived the lease and whatever arrived while no event
   * was heard (down, restarting, a lost retry timer). Resolves when the pass is done.
   */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.catchUpPass().finally(() => {
      this.catchingUp = null;
    });
    return this.catchingUp;
  }

  private async catchUpPass(): Promise<void> {
    if (!this.running) return;
    try {
      const ids = await this.deps.repo.toCatchUp(this.catchUpAfter, this.catchUpBatch);
      this.catchUpAfter = ids.length < this.catchUpBatch ? null : ids[ids.length - 1];
      // One thread at a time: a pass never floods Slack or the database.
      for (const id of ids) {
        if (!this.running) return;
        await this.enqueue(id, () => this.apply(id, 'catch-up'));
      }
    } catch (err) {
      this.deps.log.warn({ err }, 'slack desk catch-up failed');
    }
  }

  private scheduleCatchUp(delayMs: number): void {
    if (this.catchUpTimer) clearTimeout(this.catchUpTimer);
    this.catchUpTimer = null;
    if (!this.running) return;
    const timer = setTimeout(() => {
      if (this.catchUpTimer === timer) this.catchUpTimer = null;
      void this.catchUp().then(() => this.scheduleCatchUp(this.catchUpMs));
    }, delayMs);
    timer.unref?.();
    this.catchUpTimer = timer;
  }

  /** Runs the mirror of one conversation now (after an action from Slack, or in tests). */
  refresh(conversationId: string, type: AgentEvent['type'] = 'conversation.note'): Promise<void> {
    return this.enqueue(conversationId, () => this.apply(conversationId, type));
  }

  private onEvent(raw: string): void {
    let event: AgentEvent;
    try {
      event = JSON.parse(raw) as AgentEvent;
    } catch {
      return this.deps.log.warn('ignored a malformed agent event');
    }
    if (!event?.conversationId || !event.type) return;
    const type = event.type === 'conversation.customer_message' && event.owner === 'bot' ? 'conversation.note' : event.type;
    void this.enqueue(event.conversationId, async () => {
      // A hand-off is announced from inside the customer's turn: wait for that turn to commit so
      // the message that asked for a person (and the bot's answer) are there to mirror.
      if (type === 'conversation.queued') await this.waitForTurn(event.conversationId);
      await this.apply(event.conversationId, type);
    });
  }

  // One sync at a time per conversation in this process; the coordination lock covers the others.
  private enqueue(conversationId: string, work: () => Promise<void>): Promise<void> {
    const prev = this.chains.get(conversationId) ?? Promise.resolve();
    const next = prev.then(work).catch((err: unknown) => this.deps.log.warn({ err, conversation: conversationId }, 'slack desk mirror failed'));
    this.chains.set(conversationId, next);
    void next.then(() => {
      if (this.chains.get(conversationId) === next) this.chains.delete(conversationId);
    });
    return next;
  }

  private async apply(conversationId: string, run: MirrorRun): Promise<void> {
    if (!this.running) return;
    await this.deps.coordination.withLock(`slack-desk:${conversationId}`, 60_000, 30_000, async () => {
      let thread = await this.deps.repo.thread(conversationId);
      let moved = false;
      if (thread && thread.channelId !== this.deps.channelId) {
        const left = await this.leaveOldChannel(thread, run);
        if (left === 'closed') return;
        moved = left === 'moved';
        thread = left === 'moved' ? undefined : left;
      }
      let type: AgentEvent['type'];
      if (run === 'catch-up') {
        // Decided under the lock, from the state now: events may have come and gone since the list.
        const summary = await this.deps.repo.summary(conversationId);
        if (!summary) return;
        if (!thread?.active) {
          // Handed off with no thread (while the desk was stopped) or again with the re-opening event missed.
          if (summary.owner === 'bot') return;
          type = 'conversation.queued';
        } else {
          // No parent yet: reserved, then the post failed or the process died (openThread stops if
          // the bot has it back). Back with the bot: the closing event was missed, close it now.
          type = !thread.threadTs ? 'conversation.queued' : summary.owner === 'bot' ? 'conversation.handed_back' : 'conversation.note';
        }
      } else type = run;
      // Moved out of the old channel: whatever the event, the conversation needs its new thread now.
      if (moved) type = 'conversation.queued';
      const opening = OPENING.has(type) || type === 'conversation.customer_message';
      if (!thread?.threadTs) {
        if (!opening) return;
        thread = await this.openThread(conversationId, thread, run);
        if (!thread) return;
      } else if (!thread.active) {
        if (!opening) return;
        // Handed off again: a fresh stretch of context, not everything the bot said in between.
        const from = await this.deps.repo.contextStart(conversationId);
        thread = { ...thread, active: true, mirrorFrom: from > thread.mirrorFrom ? from : thread.mirrorFrom };
        await this.deps.repo.setActive(conversationId, true, thread.mirrorFrom);
      }
      // A held channel: nothing claimed, nothing closed, so the pass that ends the hold does all of it.
      if (!this.mayPost(thread.channelId, run)) return;
      // A sync cut short is retried with this event's type, so a hand-back still closes the thread
      // after what came before it is posted (closing first would leave those items unposted).
      if (!(await this.sync(thread, type)) || !OWNERSHIP.has(type)) return;
      const summary = await this.deps.repo.summary(conversationId);
      if (!summary) return;
      await this.updateParent(thread, summary);
      // A retried closing event may find the conversation handed off again: close only while the bot has it.
      if (CLOSING.has(type) && summary.owner === 'bot') await this.deps.repo.setActive(conversationId, false);
    });
  }

  /**
   * A thread in another channel than the desk's (SLACK_AGENT_CHANNEL was changed). While the
   * conversation is with a person it moves: a last note in the old thread points to the new
   * channel (best effort: the bot may have left the old one), and the thread is forgotten, so a new
   * one opens in the desk channel with the usual context. Agents' replies in the old thread are not
   * listened to any more. Back with the bot, the old thread is closed without a word: that channel
   * is no longer the desk, and the bot may have left it. An event that would not open a closed
   * thread leaves it as it is (nothing to move), without a query.
   */
  private async leaveOldChannel(thread: DeskThread, run: MirrorRun): Promise<DeskThread | 'moved' | 'closed'> {
    const { repo, client, token, channelId, log } = this.deps;
    if (!thread.active && run !== 'catch-up' && !OPENING.has(run) && run !== 'conversation.customer_message') return thread;
    const summary = await repo.summary(thread.conversationId);
    if (!summary) return thread;
    if (summary.owner === 'bot') {
      if (thread.active) await repo.setActive(thread.conversationId, false);
      return 'closed';
    }
    if (thread.active && thread.threadTs && this.mayPost(thread.channelId, run)) {
      await client.chat
        .postMessage({ token, channel: thread.channelId, thread_ts: thread.threadTs, text: `This conversation moved to the desk channel <#${channelId}>; reply there from now on.` })
        .catch((err: unknown) => log.debug({ err, conversation: thread.conversationId }, 'old slack desk thread not told about the move'));
    }
    await repo.forgetThread(thread.conversationId);
    log.info({ conversation: thread.conversationId, from: thread.channelId, to: channelId }, 'slack desk thread moved to the new desk channel');
    return 'moved';
  }

  /** Reserves the row, posts the parent message, records its ts (the thread's id from now on). */
  private async openThread(conversationId: string, reserved: DeskThread | undefined, run: MirrorRun): Promise<DeskThread | undefined> {
    const { repo, client, token, channelId } = this.deps;
    const summary = await repo.summary(conversationId);
    if (!summary || summary.owner === 'bot') return undefined;
    const mirrorFrom = reserved?.mirrorFrom ?? (await repo.contextStart(conversationId));
    if (!reserved) await repo.reserveThread(conversationId, channelId, mirrorFrom);
    // Reserved even while the channel is held: the catch-up pass that ends the hold opens it.
    if (!this.mayPost(channelId, run)) return undefined;
    const { text, blocks } = parentMessage(summary);
    try {
      const res = await client.chat.postMessage({ token, channel: channelId, text, blocks: blocks as never, unfurl_links: false, unfurl_media: false });
      this.channelReached(channelId);
      if (!res.ts) throw new Error('chat.postMessage returned no ts');
      await repo.setThreadTs(conversationId, res.ts);
      return { conversationId, channelId, threadTs: res.ts, active: true, mirrorFrom };
    } catch (err) {
      this.postFailed(conversationId, channelId, 'conversation.queued', err);
      return undefined;
    }
  }

  /** Posts every item not yet in the thread, oldest first; stops at the first failure (false) and retries `type` later. */
  private async sync(thread: DeskThread, type: AgentEvent['type']): Promise<boolean> {
    const { repo, client, token } = this.deps;
    for (;;) {
      const items = await repo.unposted(thread.conversationId, thread.mirrorFrom, 50, this.leaseMs);
      for (const item of items) {
        // A claim older than the lease with no message_ts is taken over and posted again: if its
        // holder did post before dying (and only missed recording the ts), the item shows twice in
        // the thread. A rare duplicate is accepted; an item silently missing from the thread is not.
        if (!(await repo.claimItem(thread.conversationId, item.key, null, this.leaseMs))) continue;
        try {
          const res = await client.chat.postMessage({ token, channel: thread.channelId, thread_ts: thread.threadTs!, text: itemText(item), unfurl_links: false, unfurl_media: false });
          this.channelReached(thread.channelId);
          await repo.itemPosted(item.key, res.ts);
        } catch (err) {
          // An item Slack will never take (too long, bad markup) is skipped rather than blocking the thread.
          if (toDeliveryError(err, 'slack desk post').failure === 'permanent') {
            this.deps.log.warn({ err, item: item.key }, 'slack desk item refused by Slack; skipped');
            await repo.itemPosted(item.key, undefined);
            continue;
          }
          await repo.releaseItem(item.key);
          this.postFailed(thread.conversationId, thread.channelId, type, err);
          return false;
        }
      }
      if (items.length < 50) return true;
    }
  }

  private async updateParent(thread: DeskThread, summary: ThreadSummary): Promise<void> {
    if (!thread.threadTs) return;
    const { text, blocks } = parentMessage(summary);
    await this.deps.client.chat
      .update({ token: this.deps.token, channel: thread.channelId, ts: thread.threadTs, text, blocks: blocks as never })
      .catch((err: unknown) => this.deps.log.debug({ err }, 'hand-off parent message not updated'));
  }

  /** A refusal of the channel holds it; any other failure is retried for this conversation, unless permanent. */
  private postFailed(conversationId: string, channelId: string, type: AgentEvent['type'], err: unknown): void {
    const failure = toDeliveryError(err, 'slack desk post');
    if (failure.failure === 'unreachable') return this.holdChannel(channelId, err);
    const hold = this.holds.get(channelId);
    // A probe that failed otherwise tells nothing about the channel: the next one is a period away.
    if (hold) hold.probeAt = Date.now() + hold.backoffMs;
    this.deps.log.warn({ conversation: conversationId, reason: failure.message }, 'slack desk post failed; retrying later');
    if (!this.running || failure.failure === 'permanent') return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.refresh(conversationId, type);
    }, failure.retryAfterMs ?? this.retryMs);
    timer.unref?.();
    this.timers.add(timer);
  }

  /** Whether a run may call Slack for the channel: not while it is held, but for a catch-up probe once the backoff is over. */
  private mayPost(channelId: string, run: MirrorRun): boolean {
    const hold = this.holds.get(channelId);
    return !hold || (run === 'catch-up' && Date.now() >= hold.probeAt);
  }

  /** Holds the channel Slack refused, for `catchUpMs` at first, then twice as long per refused probe up to `maxHoldMs`. */
  private holdChannel(channelId: string, err: unknown): void {
    const code = (err as { data?: { error?: string } } | null)?.data?.error ?? 'unknown_error';
    const held = this.holds.get(channelId);
    const backoffMs = Math.min(held ? held.backoffMs * 2 : this.catchUpMs, this.maxHoldMs);
    this.holds.set(channelId, { backoffMs, probeAt: Date.now() + backoffMs });
    if (held) return this.deps.log.debug({ channel: channelId, code, nextProbeMs: backoffMs }, 'slack desk channel still refused');
    this.deps.log.error(
      { channel: channelId, code },
      `Slack refuses posts to the desk channel ${channelId} (${code}): invite the Patron app to the channel (unarchive it if it is archived) ` +
        'or set SLACK_AGENT_CHANNEL to a channel the app is in. Hand-offs wait unposted and are mirrored once the channel can be reached.',
    );
  }

  private channelReached(channelId: string): void {
    if (this.holds.delete(channelId)) this.deps.log.info({ channel: channelId }, `slack desk channel ${channelId} is reachable again; posting what waited`);
  }

  private async waitForTurn(conversationId: string): Promise<void> {
    const key = await this.deps.conversationKey(conversationId);
    if (!key) return;
    const lock = await this.deps.coordination.acquireLock(conversationLockKey(key.channel, key.externalId), 1_000, 15_000).catch(() => null);
    await lock?.release();
  }
}
