import { systemClock, type Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import { CONSENT_SOURCES, type ConsentPurpose, type ConsentSource, type ConsentRepository, type ConsentState } from './consent.repository.js';

/** Why a message may or may not go out (for logs, the admin UI and suppression reasons). */
export type MessagingVerdict =
  | { allowed: true; reason: 'ok' }
  | { allowed: false; reason: 'unknown_customer' | 'erased' | 'unreachable' | 'no_consent' | 'withdrawn' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Consent rules: marketing needs a live opt-in per channel; withdrawal wins at once. */
export class ConsentService {
  constructor(
    private readonly repo: ConsentRepository,
    private readonly clock: Clock = systemClock,
  ) {}

  /** `audit` (a staff change's audit row) runs in the same transaction as the record. */
  grant(customerId: string, channel: string, purpose: ConsentPurpose, source: string, evidence?: string, audit?: (trx: Db) => Promise<void>) {
    return this.record(customerId, channel, purpose, true, source, evidence, audit);
  }

  withdraw(customerId: string, channel: string, purpose: ConsentPurpose, source: string, evidence?: string, audit?: (trx: Db) => Promise<void>) {
    return this.record(customerId, channel, purpose, false, source, evidence, audit);
  }

  /** Appends a record, unless the one in force already says the same on the same evidence (a redelivery). */
  private async record(customerId: string, channel: string, purpose: ConsentPurpose, granted: boolean, source: string, evidence?: string, audit?: (trx: Db) => Promise<void>) {
    validate(customerId, channel, purpose, source, evidence);
    const write = async (repo: ConsentRepository) => {
      if (evidence) {
        const current = await repo.latest(customerId, channel, purpose);
        if (current && current.granted === granted && current.evidence === evidence) return;
      }
      await repo.append({ customerId, channel, purpose, granted, source, evidence }, this.clock.now());
    };
    if (!audit) return write(this.repo);
    await this.repo.transaction(async (repo, trx) => {
      await write(repo);
      await audit(trx);
    });
  }

  /** May we send marketing to this customer on this channel now? Only with a live opt-in. */
  async mayMarket(customerId: string, channel: string): Promise<boolean> {
    const rec = await this.repo.latest(customerId, channel, 'marketing', this.clock.now());
    return rec?.granted === true;
  }

  /**
   * May we send a message of this purpose on this channel at `at`? Marketing needs a live opt-in,
   * a reachable identity on the channel and a customer who is not erased; transactional needs only
   * the reachable identity.
   */
  async mayMessage(customerId: string, channel: string, purpose: ConsentPurpose, at: Date = this.clock.now()): Promise<boolean> {
    return (await this.explain(customerId, channel, purpose, at)).allowed;
  }

  /** {@link mayMessage} with the reason. */
  async explain(customerId: string, channel: string, purpose: ConsentPurpose, at: Date = this.clock.now()): Promise<MessagingVerdict> {
    if (!UUID.test(customerId)) return { allowed: false, reason: 'unknown_customer' };
    const f = await this.repo.messagingFacts(customerId, channel, purpose, at);
    if (!f.exists) return { allowed: false, reason: 'unknown_customer' };
    if (!f.reachable) return { allowed: false, reason: 'unreachable' };
    if (purpose === 'transactional') return { allowed: true, reason: 'ok' };
    if (f.erased) return { allowed: false, reason: 'erased' };
    if (f.granted === null) return { allowed: false, reason: 'no_consent' };
    return f.granted ? { allowed: true, reason: 'ok' } : { allowed: false, reason: 'withdrawn' };
  }

  /** The state in force per channel and purpose. */
  snapshot(customerId: string, at?: Date): Promise<ConsentState[]> {
    if (!UUID.test(customerId)) return Promise.resolve([]);
    return this.repo.snapshot(customerId, at);
  }

  /** One page of customer ids with live consent on a channel (keyset by id). */
  liveConsentPage(channel: string, purpose: ConsentPurpose, opts: { after?: string; limit?: number } = {}): Promise<string[]> {
    return this.repo.liveConsentPage(channel, purpose, { after: opts.after, limit: Math.min(Math.max(opts.limit ?? 1000, 1), 10_000), at: this.clock.now() });
  }

  history(customerId: string) {
    return this.repo.history(customerId);
  }
}

function validate(customerId: string, channel: string, purpose: string, source: string, evidence?: string): void {
  if (!UUID.test(customerId)) throw new AppError('validation_failed', `consent: customerId ${JSON.stringify(customerId)} is not a customer id`);
  if (!channel || channel.length > 40) throw new AppError('validation_failed', 'consent: channel must be 1–40 characters');
  if (purpose !== 'marketing' && purpose !== 'transactional') {
    throw new AppError('validation_failed', `consent: purpose ${JSON.stringify(purpose)} must be marketing or transactional`);
  }
  const kind = sourceKind(source);
  if (!kind) {
    throw new AppError('validation_failed', `consent: source ${JSON.stringify(source)} must be one of ${CONSENT_SOURCES.join(', ')} (optionally prefixed, e.g. loyalty_enrolment)`);
  }
  if (kind === 'import' && !evidence?.trim()) {
    throw new AppError('validation_failed', `consent: an import for customer ${customerId} needs evidence (file, row or proof reference)`);
  }
}

const SOURCE_PREFIX = /^[a-z][a-z0-9]*(_[a-z0-9]+)*_$/;

/**
 * The kind of a source: one of {@link CONSENT_SOURCES}, or a subsystem-prefixed form of one
 * (`loyalty_enrolment`, `shop_import`) whose suffix decides the rules (an import needs evidence).
 */
export function sourceKind(source: string): ConsentSource | undefined {
  if (typeof source !== 'string' || source.length > 60) return undefined;
  for (const kind of CONSENT_SOURCES) {
    if (source === kind) return kind;
    if (source.endsWith(`_${kind}`) && SOURCE_PREFIX.test(source.slice(0, -kind.length))) return kind;
  }
  return undefined;
}
