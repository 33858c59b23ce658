import { OutboxRepository } from '../../channels/delivery/outbox.repository.js';
import type { Clock } from '../../core/clock.js';
import type { Translator } from '../../core/i18n.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../storage/database.js';
import { CampaignDeliveryRepository, type DueDelivery } from './campaign-delivery.repository.js';
import { messageFor, renderCampaignMessage } from './campaign-render.js';
import { quietHoursEnd } from './campaign-time.js';
import type { CampaignRepository } from './campaign.repository.js';
import type { CampaignPolicy, CampaignRow } from './campaign.types.js';
import type { UnsubscribeTokens } from './unsubscribe-token.js';

export interface WorkerDeps {
  db: Db;
  campaigns: CampaignRepository;
  deliveries: CampaignDeliveryRepository;
  translator: Translator;
  tokens: UnsubscribeTokens;
  policy: CampaignPolicy;
  clock: Clock;
  /** Wakes the outbox sender (all instances) after deliveries were queued. */
  wake: () => void;
  log: Logger;
}

/** Reason recorded on a delivery whose send was cut short by a crash. */
export const OUTCOME_UNKNOWN = 'outcome_unknown: the sender stopped mid-send; not retried so it can never arrive twice';

/** See {@link CampaignWorker.closeAbandoned}; standalone for start-up code that runs before the app. */
export async function closeAbandonedCampaignSends(db: Db): Promise<number> {
  const ids = await new CampaignDeliveryRepository(db).abandonedSends();
  const outbox = new OutboxRepository(db);
  for (const id of ids) await outbox.markFinal(id, 'failed', OUTCOME_UNKNOWN);
  return ids.length;
}

export interface RoundResult {
  handed: number;
  skipped: number;
  deferred: number;
}

/**
 * Hands materialised deliveries to the outbox in small batches: leases due rows (SKIP LOCKED),
 * re-checks consent at send time (a STOP during the campaign skips the customer), holds a send
 * during the recipient's quiet hours, renders and enqueues with dedupe key `campaign:<id>` in the
 * same transaction that marks the row handed over, so a crash can never queue a message twice.
 * The outbox sender then paces and retries; outcomes are copied back by {@link settle}.
 */
export class CampaignWorker {
  constructor(private readonly deps: WorkerDeps) {}

  /** One batch; returns what happened to the leased rows. */
  async round(): Promise<RoundResult> {
    const { policy, deliveries } = this.deps;
    const room = policy.maxInFlight - (await deliveries.inFlight());
    if (room <= 0) return { handed: 0, skipped: 0, deferred: 0 };
    const now = this.deps.clock.now();
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const due = await deliveries.claimDue(trx, now, Math.min(room, policy.batchSize));
      return due.length ? this.handOver(trx, due, now) : { handed: 0, skipped: 0, deferred: 0 };
    });
    if (result.handed > 0) this.deps.wake();
    return result;
  }

  /** Rounds until nothing is due, the outbox window is full, or `budgetMs` ran out. */
  async drain(budgetMs: number): Promise<RoundResult> {
    const total: RoundResult = { handed: 0, skipped: 0, deferred: 0 };
    const deadline = Date.now() + budgetMs;
    while (Date.now() < deadline) {
      const r = await this.round();
      total.handed += r.handed;
      total.skipped += r.skipped;
      total.deferred += r.deferred;
      if (r.handed + r.skipped + r.deferred === 0) break;
    }
    return total;
  }

  /**
   * Closes campaign sends a crashed sender left in flight as failed (`outcome unknown`) before any
   * sender re-leases them: at most once for those few, never twice. Run at start-up (before the
   * outbox sender starts) and on every settle, for instances that died for good.
   */
  async closeAbandoned(): Promise<number> {
    const n = await closeAbandonedCampaignSends(this.deps.db);
    if (n) this.deps.log.warn({ count: n }, 'campaign sends left in flight by a stopped sender closed as outcome unknown (not retried)');
    return n;
  }

  /**
   * Records outbox outcomes, closes drained runs and finishes their campaigns. Each campaign's runs
   * are closed and the campaign moved (`sending` → `scheduled` when recurring, else `done`) in one
   * transaction under its row lock, and a campaign left `sending` with no open run (by a settle
   * from before this rule, or a resume racing the run's end) is moved too: a crash or a failed
   * statement can never leave a recurring campaign stuck and never firing again. One campaign that
   * fails is logged and left for the next settle; the others are still settled. Returns how many failed.
   */
  async settle(): Promise<number> {
    await this.closeAbandoned();
    await this.deps.deliveries.syncOutcomes();
    const now = this.deps.clock.now();
    let failed = 0;
    for (const id of await this.deps.campaigns.toSettle()) {
      try {
        await this.settleOne(id, now);
      } catch (err) {
        failed++;
        this.deps.log.error({ err, campaign: id }, 'campaign not settled; retried on the next settle');
      }
    }
    return failed;
  }

  private async settleOne(id: string, now: Date): Promise<void> {
    const { campaigns } = this.deps;
    const moved = await this.deps.db.transaction().execute(async (trx) => {
      // The lock orders this after a concurrent fire, pause or cancel of the campaign.
      const c = await campaigns.lock(trx, id);
      await campaigns.finishDrainedRuns(now, trx, id);
      if (!c || c.status !== 'sending' || (await campaigns.hasOpenRun(id, trx))) return null;
      const recurring = 'cron' in c.schedule;
      await campaigns.transition(id, ['sending'], { status: recurring ? 'scheduled' : 'done', updated_at: now }, trx);
      return { recurring };
    });
    if (moved) this.deps.log.info({ campaign: id, recurring: moved.recurring }, 'campaign run finished');
  }

  private async handOver(trx: Db, due: DueDelivery[], now: Date): Promise<RoundResult> {
    const { deliveries, policy } = this.deps;
    const outbox = new OutboxRepository(trx);
    const campaigns = new Map<string, CampaignRow | undefined>();
    const withdrawn: string[] = [];
    const erased: string[] = [];
    const handed: string[] = [];
    let deferred = 0;
    for (const d of due) {
      if (d.erased) erased.push(d.id);
      else if (d.granted !== true) withdrawn.push(d.id);
      else {
        const until = quietHoursEnd(now, policy.quietHours, d.timezone, policy.defaultTimezone);
        if (until) {
          await deliveries.defer(trx, d.id, until);
          deferred++;
          continue;
        }
        if (!campaigns.has(d.campaign_id)) campaigns.set(d.campaign_id, await this.deps.campaigns.findById(d.campaign_id, trx));
        const campaign = campaigns.get(d.campaign_id)!;
        await outbox.enqueue({
          dedupeKey: `campaign:${d.id}`, channel: d.channel, recipient: d.recipient, kind: 'campaign', author: `campaign:${campaign.id}`,
          customerId: d.customer_id, message: this.render(campaign, d),
        });
        handed.push(d.id);
      }
    }
    await deliveries.skip(trx, withdrawn, 'consent_withdrawn');
    await deliveries.skip(trx, erased, 'erased');
    await deliveries.markEnqueued(trx, handed, now);
    return { handed: handed.length, skipped: withdrawn.length + erased.length, deferred };
  }

  private render(campaign: CampaignRow, d: DueDelivery) {
    const { locale, message } = messageFor(campaign.messages, d.locale);
    const url = d.channel === 'email' ? this.deps.tokens.url(this.deps.policy.publicUrl, d.customer_id, d.channel) : undefined;
    return renderCampaignMessage(this.deps.translator, locale, message, { name: d.name, tier: d.tier, points: d.points, product: d.product }, { channel: d.channel, url });
  }
}
