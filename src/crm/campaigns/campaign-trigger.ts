import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../storage/database.js';
import type { SegmentService } from '../segments/segment.service.js';
import type { CampaignAudienceRepository, AudienceCount, AudienceSpec } from './campaign-audience.repository.js';
import { nextCronFire } from './campaign-time.js';
import type { CampaignRepository } from './campaign.repository.js';
import type { CampaignPolicy, CampaignRow } from './campaign.types.js';
import type { Locale } from '../../core/message.js';

export interface TriggerDeps {
  db: Db;
  campaigns: CampaignRepository;
  audience: CampaignAudienceRepository;
  segments: Pick<SegmentService, 'membersQuery'>;
  policy: CampaignPolicy;
  clock: Clock;
  log: Logger;
}

/** Suppressed counts by reason from a run's state/reason counts. */
export function summarise(counts: AudienceCount[]): { audience: number; targeted: number; suppressed: Record<string, number> } {
  const suppressed: Record<string, number> = {};
  let audience = 0;
  let targeted = 0;
  for (const c of counts) {
    targeted += c.n;
    if (c.state === 'queued') audience += c.n;
    else suppressed[c.reason ?? 'unknown'] = (suppressed[c.reason ?? 'unknown'] ?? 0) + c.n;
  }
  return { audience, targeted, suppressed };
}

/** Fires due campaigns: one run per fire time, recipients materialised once. */
export class CampaignTrigger {
  constructor(private readonly deps: TriggerDeps) {}

  /** The audience rules for a campaign at `now`. */
  spec(c: CampaignRow, now: Date): AudienceSpec {
    const cap = c.frequency_cap_max && c.frequency_cap_days ? { max: c.frequency_cap_max, days: c.frequency_cap_days } : this.deps.policy.frequencyCap;
    return { channels: c.channels, locales: Object.keys(c.messages) as Locale[], cap, now };
  }

  /** Fires every due campaign; returns how many fired here. */
  async tick(): Promise<number> {
    const now = this.deps.clock.now();
    let fired = 0;
    for (const c of await this.deps.campaigns.due(now)) {
      try {
        if (await this.fire(c, now)) fired++;
      } catch (err) {
        this.deps.log.error({ err, campaign: c.id }, 'campaign fire failed; the next tick retries it');
      }
    }
    return fired;
  }

  /**
   * Fires one campaign at its `next_fire_at`. The conditional status change, the run row (unique
   * per fire time) and the INSERT … SELECT of recipients commit together: a second instance, or a
   * crash half-way, can never produce a second set of recipients.
   */
  async fire(c: CampaignRow, now: Date): Promise<boolean> {
    const fireAt = c.next_fire_at;
    if (!fireAt) return false;
    const recurring = 'cron' in c.schedule;
    const next = 'cron' in c.schedule ? nextCronFire(c.schedule.cron, c.schedule.timezone, now > fireAt ? now : fireAt) : null;
    const members = await this.deps.segments.membersQuery({ segmentId: c.segment_id }, now);
    const result = await this.deps.db.transaction().execute(async (trx) => {
      const moved = await this.deps.campaigns.transition(c.id, ['scheduled'], { status: 'sending', last_fired_at: fireAt, next_fire_at: next, updated_at: now }, trx, { nextFireAt: fireAt });
      if (!moved) return null;
      const run = await this.deps.campaigns.insertRun(trx, { id: newId(), campaignId: c.id, fireAt, now });
      if (!run) throw new Error(`campaign ${c.id} already fired for ${fireAt.toISOString()}`);
      await this.deps.audience.materialise(trx, { campaignId: c.id, runId: run.id, recurring }, members, this.spec(c, now));
      const summary = summarise(await this.deps.audience.runCounts(trx, run.id));
      await this.deps.campaigns.setRunCounts(trx, run.id, summary.targeted, summary.suppressed);
      return { runId: run.id, ...summary };
    });
    if (result) this.deps.log.info({ campaign: c.id, run: result.runId, audience: result.audience, suppressed: result.suppressed }, 'campaign fired');
    return result !== null;
  }
}
