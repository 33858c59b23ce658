import type { App as BoltApp } from '@slack/bolt';
import type { Logger } from '../../../core/logger.js';
import { AGENT_EVENTS, AGENT_INBOUND, type AgentEvent } from '../../../crm/handoff/handoff.types.js';
import { conversationLockKey } from '../../../flows/pipeline.js';
import type { Coordination, Unsubscribe } from '../../../storage/coordination.js';
import { toDeliveryError } from '../slack-errors.js';
import { itemText, parentMessage } from './slack-desk-blocks.js';
import type { DeskThread, SlackDeskRepository } from './slack-desk.repository.js';

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

const OPENING = new Set<AgentEvent['type']>(['conversation.queued', 'conversation.claimed', 'conversation.assigned']);
const CLOSING = new Set<AgentEvent['type']>(['conversation.handed_back', 'conversation.resolved']);
const OWNERSHIP = new Set<AgentEvent['type']>([...OPENING, ...CLOSING, 'conversation.released']);
// A Slack call that fails puts the rest of the sync off by this much (or by Retry-After).
const RETRY_MS = 5_000;

/**
 * Mirrors handed-off conversations into Slack threads. The live events only say "something
 * happened in conversation X"; what to post is read from the database (inbound messages, outbox,
 * notes) and each item is claimed in `slack_desk_posts` before it is posted, so a redelivered
 * event, a second instance or a restart never posts an item twice, and a missed event is caught
 * up by the next one.
 */
export class DeskMirror {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private unsubscribe: Unsubscribe[] = [];
  private running = false;

  constructor(private readonly deps: DeskMirrorDeps) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const onMessage = (raw: string) => this.onEvent(raw);
    this.unsubscribe = [await this.deps.coordination.subscribe(AGENT_EVENTS, onMessage), await this.deps.coordination.subscribe(AGENT_INBOUND, onMessage)];
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all(this.unsubscribe.map((u) => u().catch(() => {})));
    this.unsubscribe = [];
    await Promise.allSettled([...this.chains.values()]);
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

  private async apply(conversationId: string, type: AgentEvent['type']): Promise<void> {
    if (!this.running) return;
    await this.deps.coordination.withLock(`slack-desk:${conversationId}`, 60_000, 30_000, async () => {
      let thread = await this.deps.repo.thread(conversationId);
      const opening = OPENING.has(type) || type === 'conversation.customer_message';
      if (!thread?.threadTs) {
        if (!opening) return;
        thread = await this.openThread(conversationId, thread);
        if (!thread) return;
      } else if (!thread.active) {
        if (!opening) return;
        // Handed off again: a fresh stretch of context, not everything the bot said in between.
        const from = await this.deps.repo.contextStart(conversationId);
        thread = { ...thread, active: true, mirrorFrom: from > thread.mirrorFrom ? from : thread.mirrorFrom };
        await this.deps.repo.setActive(conversationId, true, thread.mirrorFrom);
      }
      await this.sync(thread);
      if (OWNERSHIP.has(type)) await this.updateParent(thread);
      if (CLOSING.has(type)) await this.deps.repo.setActive(conversationId, false);
    });
  }

  /** Reserves the row, posts the parent message, records its ts (the thread's id from now on). */
  private async openThread(conversationId: string, reserved: DeskThread | undefined): Promise<DeskThread | undefined> {
    const { repo, client, token, channelId } = this.deps;
    const summary = await repo.summary(conversationId);
    if (!summary || summary.owner === 'bot') return undefined;
    const mirrorFrom = reserved?.mirrorFrom ?? (await repo.contextStart(conversationId));
    if (!reserved) await repo.reserveThread(conversationId, channelId, mirrorFrom);
    const { text, blocks } = parentMessage(summary);
    try {
      const res = await client.chat.postMessage({ token, channel: channelId, text, blocks: blocks as never, unfurl_links: false, unfurl_media: false });
      if (!res.ts) throw new Error('chat.postMessage returned no ts');
      await repo.setThreadTs(conversationId, res.ts);
      return { conversationId, channelId, threadTs: res.ts, active: true, mirrorFrom };
    } catch (err) {
      this.retryLater(conversationId, 'conversation.queued', err);
      return undefined;
    }
  }

  /** Posts every item not yet in the thread, oldest first; stops at the first failure and retries later. */
  private async sync(thread: DeskThread): Promise<void> {
    const { repo, client, token } = this.deps;
    for (;;) {
      const items = await repo.unposted(thread.conversationId, thread.mirrorFrom);
      for (const item of items) {
        if (!(await repo.claimItem(thread.conversationId, item.key))) continue;
        try {
          const res = await client.chat.postMessage({ token, channel: thread.channelId, thread_ts: thread.threadTs!, text: itemText(item), unfurl_links: false, unfurl_media: false });
          await repo.itemPosted(item.key, res.ts);
        } catch (err) {
          // An item Slack will never take (too long, bad markup) is skipped rather than blocking the thread.
          if (toDeliveryError(err, 'slack desk post').failure === 'permanent') {
            this.deps.log.warn({ err, item: item.key }, 'slack desk item refused by Slack; skipped');
            continue;
          }
          await repo.releaseItem(item.key);
          return this.retryLater(thread.conversationId, 'conversation.note', err);
        }
      }
      if (items.length < 50) return;
    }
  }

  private async updateParent(thread: DeskThread): Promise<void> {
    const summary = await this.deps.repo.summary(thread.conversationId);
    if (!summary || !thread.threadTs) return;
    const { text, blocks } = parentMessage(summary);
    await this.deps.client.chat
      .update({ token: this.deps.token, channel: thread.channelId, ts: thread.threadTs, text, blocks: blocks as never })
      .catch((err: unknown) => this.deps.log.debug({ err }, 'hand-off parent message not updated'));
  }

  private retryLater(conversationId: string, type: AgentEvent['type'], err: unknown): void {
    const failure = toDeliveryError(err, 'slack desk post');
    this.deps.log.warn({ conversation: conversationId, reason: failure.message }, 'slack desk post failed; retrying later');
    if (!this.running || failure.failure === 'permanent' || failure.failure === 'unreachable') return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.refresh(conversationId, type);
    }, failure.retryAfterMs ?? RETRY_MS);
    timer.unref?.();
    this.timers.add(timer);
  }

  private async waitForTurn(conversationId: string): Promise<void> {
    const key = await this.deps.conversationKey(conversationId);
    if (!key) return;
    const lock = await this.deps.coordination.acquireLock(conversationLockKey(key.channel, key.externalId), 1_000, 15_000).catch(() => null);
    await lock?.release();
  }
}
