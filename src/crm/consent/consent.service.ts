import type { ConsentPurpose, ConsentRepository } from './consent.repository.js';

/** Consent rules: marketing needs a live opt-in per channel; withdrawal wins at once. */
export class ConsentService {
  constructor(private readonly repo: ConsentRepository) {}

  grant(customerId: string, channel: string, purpose: ConsentPurpose, source: string, evidence?: string) {
    return this.record(customerId, channel, purpose, true, source, evidence);
  }

  withdraw(customerId: string, channel: string, purpose: ConsentPurpose, source: string, evidence?: string) {
    return this.record(customerId, channel, purpose, false, source, evidence);
  }

  /** Appends a record, unless the one in force already says the same on the same evidence (a redelivery). */
  private async record(customerId: string, channel: string, purpose: ConsentPurpose, granted: boolean, source: string, evidence?: string) {
    if (evidence) {
      const current = await this.repo.latest(customerId, channel, purpose);
      if (current && current.granted === granted && current.evidence === evidence) return;
    }
    await this.repo.append({ customerId, channel, purpose, granted, source, evidence });
  }

  /** May we send marketing to this customer on this channel now? Only with a live opt-in. */
  async mayMarket(customerId: string, channel: string): Promise<boolean> {
    const rec = await this.repo.latest(customerId, channel, 'marketing');
    return rec?.granted === true;
  }

  history(customerId: string) {
    return this.repo.history(customerId);
  }
}
