import type { OutboxRepository } from '../../channels/delivery/outbox.repository.js';
import type { Clock } from '../../core/clock.js';
import type { Translator } from '../../core/i18n.js';
import { newToken } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { Job } from '../../scheduler/scheduler.js';
import type { Db } from '../../storage/database.js';
import type { ConsentService } from '../consent/consent.service.js';
import type { SegmentService } from '../segments/segment.service.js';
import { SettingsRepository } from '../settings/settings.repository.js';
import { CampaignAudienceRepository } from './campaign-audience.repository.js';
import { CampaignDeliveryRepository } from './campaign-delivery.repository.js';
import { CampaignResultsRepository } from './campaign-results.repository.js';
import { parseQuietHours } from './campaign-time.js';
import { CampaignTrigger } from './campaign-trigger.js';
import { CampaignWorker } from './campaign-worker.js';
import { CampaignRepository } from './campaign.repository.js';
import { CampaignService } from './campaign.service.js';
import { DEFAULT_POLICY, type CampaignPolicy } from './campaign.types.js';
import { UnsubscribeTokens } from './unsubscribe-token.js';

export { CampaignService } from './campaign.service.js';
export { CampaignWorker } from './campaign-worker.js';
export { CampaignTrigger } from './campaign-trigger.js';
export { UnsubscribeTokens } from './unsubscribe-token.js';
export * from './campaign.types.js';

export interface CampaignModuleDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  translator: Translator;
  segments: SegmentService;
  consent: ConsentService;
  outbox: OutboxRepository;
  /** Wakes the outbox sender on every instance. */
  wake: () => void;
  /** Overrides of the policy read from the environment. */
  policy?: Partial<CampaignPolicy>;
  /** Trigger and delivery job schedules (defaults: every 30 s, every 2 s). */
  triggerCron?: string;
  deliverCron?: string;
  env?: NodeJS.ProcessEnv;
}

export interface CampaignModule {
  campaigns: CampaignService;
  trigger: CampaignTrigger;
  worker: CampaignWorker;
  tokens: UnsubscribeTokens;
  consent: ConsentService;
  policy: CampaignPolicy;
  translator: Translator;
  /** Register with the Scheduler: both are elected once per fire across instances. */
  jobs: Job[];
}

/**
 * Reads the campaign policy from the environment: CAMPAIGN_QUIET_HOURS (21:00-09:00 | off),
 * CAMPAIGN_FREQUENCY_CAP (max/days, e.g. 2/7), CAMPAIGN_MAX_IN_FLIGHT, PUBLIC_URL, TZ.
 */
export function campaignPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): CampaignPolicy {
  const policy: CampaignPolicy = { ...DEFAULT_POLICY, defaultTimezone: env.TZ || DEFAULT_POLICY.defaultTimezone };
  const quiet = parseQuietHours(env.CAMPAIGN_QUIET_HOURS);
  if (quiet !== undefined) policy.quietHours = quiet;
  if (env.CAMPAIGN_FREQUENCY_CAP) {
    const m = /^(\d{1,3})\/(\d{1,2})$/.exec(env.CAMPAIGN_FREQUENCY_CAP.trim());
    if (!m || +m[1] < 1 || +m[2] < 1) throw new Error(`CAMPAIGN_FREQUENCY_CAP must look like 2/7 (max messages / days) (got ${JSON.stringify(env.CAMPAIGN_FREQUENCY_CAP)})`);
    policy.frequencyCap = { max: +m[1], days: +m[2] };
  }
  if (env.CAMPAIGN_MAX_IN_FLIGHT) policy.maxInFlight = Math.max(1, Number(env.CAMPAIGN_MAX_IN_FLIGHT) || DEFAULT_POLICY.maxInFlight);
  if (env.PUBLIC_URL) policy.publicUrl = env.PUBLIC_URL;
  return policy;
}

/** Builds campaigns over the shared database: service, trigger, delivery worker and their jobs. */
export async function buildCampaignModule(deps: CampaignModuleDeps): Promise<CampaignModule> {
  const env = deps.env ?? process.env;
  const policy = { ...campaignPolicyFromEnv(env), ...deps.policy };
  const secret = env.UNSUBSCRIBE_SECRET || (await new SettingsRepository(deps.db).getOrCreate('unsubscribe_secret', () => newToken(32)));
  const tokens = new UnsubscribeTokens(secret);
  const campaigns = new CampaignRepository(deps.db);
  const audience = new CampaignAudienceRepository(deps.db);
  const trigger = new CampaignTrigger({ db: deps.db, campaigns, audience, segments: deps.segments, policy, clock: deps.clock, log: deps.log });
  const worker = new CampaignWorker({
    db: deps.db, campaigns, deliveries: new CampaignDeliveryRepository(deps.db), translator: deps.translator, tokens, policy, clock: deps.clock, wake: deps.wake, log: deps.log,
  });
  const service = new CampaignService({
    db: deps.db, campaigns, audience, results: new CampaignResultsRepository(deps.db), trigger, segments: deps.segments, outbox: deps.outbox,
    translator: deps.translator, wake: deps.wake, clock: deps.clock, publicUrl: policy.publicUrl,
  });
  // Before this instance's outbox sender starts (buildCrm runs first): its start re-leases them.
  await worker.closeAbandoned();
  const jobs: Job[] = [
    { name: 'campaigns.trigger', cron: deps.triggerCron ?? '*/30 * * * * *', run: () => trigger.tick() },
    {
      name: 'campaigns.deliver', cron: deps.deliverCron ?? '*/2 * * * * *',
      run: async () => {
        // Outcomes first, so deliveries the sender finished since the last slot free the window.
        await worker.settle();
        const r = await worker.drain(1_500);
        await worker.settle();
        return r;
      },
    },
  ];
  return { campaigns: service, trigger, worker, tokens, consent: deps.consent, policy, translator: deps.translator, jobs };
}
