import type { Clock } from '../../core/clock.js';
import type { Db } from '../../storage/database.js';
import type { LoyaltyService } from '../loyalty/loyalty.service.js';
import { ReportRepository, type CampaignFunnel, type DayChannelCount, type UnrecognisedMessage } from './report.repository.js';

const DAY_MS = 86_400_000;

/** The dashboard's overview of the last `days` days (counts "now" where a window makes no sense). */
export interface Overview {
  days: number;
  since: string;
  conversationsPerChannelPerDay: DayChannelCount[];
  intentMix: Array<{ intent: string; count: number }>;
  /** Share (0-1) of understood-or-not turns that were not understood. */
  fallbackRate: number;
  membersByTier: Array<{ tier: string; count: number }>;
  points: { issued: number; redeemed: number; outstanding: number };
  ticketsByStatus: Array<{ status: string; count: number }>;
  slaBreaches: number;
  campaignFunnel: CampaignFunnel;
  /** Share (0-1) of buyers with two or more orders (all time, as the loyalty programme counts it). */
  repeatPurchaseRate: number;
  /** Buyers at churn risk by the loyalty programme's rule, out of all buyers. */
  churnRisk: { atRisk: number; total: number };
}

/** Operator reports over the database (SQL aggregates; no per-row work in JavaScript). */
export class ReportService {
  private readonly repo: ReportRepository;

  constructor(private readonly deps: { db: Db; clock: Clock; loyalty: Pick<LoyaltyService, 'programmeMeasures'>; timezone?: string }) {
    this.repo = new ReportRepository(deps.db);
  }

  async overview(options: { days: number; timezone?: string; intentLimit?: number }): Promise<Overview> {
    const since = new Date(this.deps.clock.now().getTime() - options.days * DAY_MS);
    const timezone = options.timezone ?? this.deps.timezone ?? 'UTC';
    const conversations = await this.repo.conversationsPerChannelPerDay(since, timezone);
    const intents = await this.repo.intents(since, options.intentLimit ?? 30);
    const membersByTier = await this.repo.membersByTier();
    const points = await this.repo.points(since);
    const tickets = await this.repo.tickets(since);
    const campaignFunnel = await this.repo.campaignFunnel(since);
    const measures = await this.deps.loyalty.programmeMeasures();
    return {
      days: options.days,
      since: since.toISOString(),
      conversationsPerChannelPerDay: conversations,
      intentMix: intents.mix,
      fallbackRate: round(intents.fallbackRate),
      membersByTier,
      points,
      ticketsByStatus: tickets.byStatus,
      slaBreaches: tickets.slaBreaches,
      campaignFunnel,
      repeatPurchaseRate: round(measures.repeatPurchaseRate),
      churnRisk: { atRisk: measures.atRisk, total: measures.buyers },
    };
  }

  /** Inbound messages the bot did not understand, to turn into training phrases. */
  unrecognised(options: { limit: number; days: number }): Promise<UnrecognisedMessage[]> {
    const since = new Date(this.deps.clock.now().getTime() - options.days * DAY_MS);
    return this.repo.unrecognised(since, options.limit);
  }
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
