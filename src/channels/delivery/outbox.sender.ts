import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { paceSlack, type Coordination } from '../../storage/coordination.js';
import { sleep } from '../../core/clock.js';
import { DeliveryError, type ChannelAdapter, type Pace } from '../channel-adapter.js';
import type { ChannelRegistry } from '../registry.js';
import type { ClaimedDelivery, OutboxRepository } from './outbox.repository.js';

export interface SenderOptions {
  /** Rows leased per round. */
  batchSize?: number;
  /** Poll interval when idle (a wake-up skips the wait). */
  pollMs?: number;
  maxAttempts?: number;
}

const WAKE_CHANNEL = 'outbox:wake';

/**
 * The one sender behind the outbox: leases due rows, checks ownership, keeps to each platform's
 * pace (shared through the coordination store), sends through the channel adapter and records the
 * outcome — retry with backoff, a permanent failure, or an unreachable customer.
 */
export class OutboxSender {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private pendingWake = false;
  private unsubscribe: (() => Promise<void>) | null = null;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly repo: OutboxRepository,
    private readonly channels: ChannelRegistry,
    private readonly coordination: Coordination,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    options: SenderOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 50;
    this.pollMs = options.pollMs ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.repo.releaseExpiredLeases(this.coordination.kind === 'memory');
    // Other instances' commits wake this sender too.
    this.unsubscribe = await this.coordination.subscribe(WAKE_CHANNEL, () => this.wake());
    this.loop = this.run();
  }

  /** Stops after the current round; with `drainMs`, first keeps sending until the queue is empty or time runs out. */
  async stop(drainMs = 0): Promise<void> {
    if (drainMs > 0) await this.drain(drainMs);
    this.running = false;
    this.wake();
    await this.loop;
    await this.unsubscribe?.().catch(() => {});
  }

  /** Sends everything due now; resolves when nothing due is left or `timeoutMs` passed. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const sent = await this.round();
      if (sent === 0) return;
    }
  }

  /** Asks for an immediate round (after a commit queued deliveries). */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /** Wakes senders on every instance. */
  async wakeAll(): Promise<void> {
    this.wake();
    await this.coordination.publish(WAKE_CHANNEL, '1').catch(() => {});
  }

  private async run(): Promise<void> {
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.round();
      } catch (err) {
        this.log.warn({ err }, 'outbox round failed; retrying');
      }
      if (handled === 0 && this.running) await this.idle();
    }
  }

  private idle(): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        this.pendingWake = false;
        done();
      };
    });
  }

  /** One lease-and-send round; returns how many rows it handled. */
  async round(): Promise<number> {
    const pushChannels = this.channels.ids();
    const rows = await this.repo.claim(pushChannels, this.batchSize);
    if (rows.length === 0) return 0;
    // Per recipient in order, recipients in parallel.
    const byRecipient = new Map<string, ClaimedDelivery[]>();
    for (const row of rows) {
      const key = `${row.channel}:${row.recipient}`;
      byRecipient.set(key, [...(byRecipient.get(key) ?? []), row]);
    }
    await Promise.all([...byRecipient.values()].map((list) => this.sendInOrder(list)));
    return rows.length;
  }

  private async sendInOrder(list: ClaimedDelivery[]): Promise<void> {
    for (let i = 0; i < list.length; i++) {
      const outcome = await this.deliver(list[i]);
      if (outcome === 'deferred') {
        // Keep the order: later rows for this recipient wait for the deferred one.
        for (const later of list.slice(i + 1)) await this.repo.reschedule(later.id, new Date(Date.now() + 1000), null, false);
        return;
      }
    }
  }

  private async deliver(row: ClaimedDelivery): Promise<'sent' | 'deferred' | 'final'> {
    const adapter = this.channels.get(row.channel);
    if (!adapter) {
      await this.repo.reschedule(row.id, new Date(Date.now() + 60_000), `channel ${row.channel} is not running`, false);
      return 'deferred';
    }
    if (row.kind === 'reply' && row.owner !== null && row.owner !== 'bot') {
      await this.repo.markFinal(row.id, 'suppressed', `conversation is owned by ${row.owner}`);
      this.metrics.sends.inc({ channel: row.channel, result: 'suppressed' });
      return 'final';
    }
    const waitMs = await this.paceWait(adapter, row.recipient);
    if (waitMs > 0) {
      await this.repo.reschedule(row.id, new Date(Date.now() + waitMs), null, false);
      return 'deferred';
    }
    // Checked again just before sending: an agent may have taken over since the row was leased.
    if (row.kind === 'reply' && row.conversation_id) {
      const owner = await this.repo.ownerOf(row.conversation_id);
      if (owner !== undefined && owner !== 'bot') {
        await this.repo.markFinal(row.id, 'suppressed', `conversation is owned by ${owner}`);
        this.metrics.sends.inc({ channel: row.channel, result: 'suppressed' });
        return 'final';
      }
    }
    return this.attempt(adapter, row);
  }

  private async attempt(adapter: ChannelAdapter, row: ClaimedDelivery): Promise<'sent' | 'deferred' | 'final'> {
    try {
      // Only campaign rows need the mark (a crash after it closes them instead of resending);
      // replies and notices are retried after a crash either way, so they skip the extra write.
      if (row.kind === 'campaign') await this.repo.markSendStarted(row.id);
      const result = await adapter.send(row.recipient, row.message);
      await this.repo.markSent(row.id, result.platformMessageId);
      this.metrics.sends.inc({ channel: row.channel, result: 'sent' });
      return 'sent';
    } catch (err) {
      return this.failed(row, err);
    }
  }

  private async failed(row: ClaimedDelivery, err: unknown): Promise<'deferred' | 'final'> {
    const failure = err instanceof DeliveryError ? err.failure : 'retry';
    const reason = (err as Error)?.message ?? String(err);
    this.metrics.sends.inc({ channel: row.channel, result: failure });
    if (failure === 'retry' && row.attempts < this.maxAttempts) {
      const retryAfter = err instanceof DeliveryError ? err.retryAfterMs : undefined;
      const backoff = retryAfter ?? Math.min(300_000, 1000 * 2 ** (row.attempts - 1)) * (0.8 + Math.random() * 0.4);
      await this.repo.reschedule(row.id, new Date(Date.now() + backoff), reason);
      this.log.warn({ outbox: row.id, channel: row.channel, attempt: row.attempts, reason }, 'send failed; will retry');
      return 'deferred';
    }
    await this.repo.markFinal(row.id, 'failed', reason);
    if (failure === 'unreachable') await this.repo.markUnreachable(row.channel, row.recipient, reason);
    this.log.warn({ outbox: row.id, channel: row.channel, reason, failure }, 'send failed for good');
    return 'final';
  }

  /**
   * Milliseconds to wait before this send keeps to the platform's pace (0 = go). Sends take slots
   * spaced at least duration/points apart on a schedule in the coordination store, shared by all
   * instances; a slot taken a little late is counted from when it was due (within a slack that
   * keeps every window within the limit), so waits do not pile up into a slower pace. A short wait
   * for the global slot is taken here; a longer one defers the row. The per-chat slot is taken
   * last, right before the send: taken before the global wait, it could be used up to 2 s late and
   * let the chat's next message follow it within the second.
   */
  private async paceWait(adapter: ChannelAdapter, recipient: string): Promise<number> {
    const { perChat, global } = adapter.pacing ?? {};
    if (global) {
      const deadline = Date.now() + 2_000;
      for (;;) {
        const wait = await this.takeSlot(`pace:${adapter.id}`, global);
        if (wait === 0) break;
        if (Date.now() + wait > deadline) return wait;
        await sleep(wait);
      }
    }
    // A refusal here leaves the global slot unused: that costs pace, never the limit.
    return perChat ? this.takeSlot(`pace:${adapter.id}:${recipient}`, perChat) : 0;
  }

  private takeSlot(key: string, pace: Pace): Promise<number> {
    const gap = spacing(pace);
    return this.coordination.takePaceSlot(key, gap, paceSlack(pace.points, pace.durationMs, gap));
  }
}

/** The least time between two sends that keeps to `pace` in every window. */
function spacing(pace: Pace): number {
  return Math.ceil(pace.durationMs / pace.points);
}
