import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import type { IdentityLinkClaim } from '../shop/shop-signature.js';
import { CustomerPrivacyService, type CustomerExport } from './customer-privacy.service.js';
import { CustomerRepository } from './customer.repository.js';
import type { CustomerIdentity, CustomerProfile, CustomerSearch, Page, ProfileUpdate } from './customer.types.js';
import { IdentityLinkService, type ChannelIdentityRef, type LinkCodeRequest, type LinkOutcome } from './identity-link.service.js';
import { isTimeZone } from '../../core/time-zone.js';

const tag = z.string().trim().min(1).max(50);
const isCalendarDate = (d: string) => {
  const parsed = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(d);
};

/** What a profile update may contain; exported for the admin API's request schema. */
export const profileUpdateSchema = z
  .object({
    name: z.string().trim().min(1).max(200).nullable(),
    email: z.string().trim().toLowerCase().pipe(z.email()).nullable(),
    phone: z.string().trim().regex(/^\+?[0-9 ()-]{5,25}$/, 'must be a phone number').nullable(),
    locale: z.string().trim().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a locale tag like en or zh-CN').nullable(),
    timezone: z.string().refine(isTimeZone, 'must be an IANA time zone like Europe/Berlin').nullable(),
    birthday: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD').refine(isCalendarDate, 'must be a real date').nullable(),
    addTags: z.array(tag).max(50),
    removeTags: z.array(tag).max(50),
  })
  .partial()
  .strict();

export interface CustomerDetails extends CustomerProfile {
  identities: CustomerIdentity[];
}

type LinkedOutcome = Extract<LinkOutcome, { status: 'linked' }>;

/** Customer profiles, search, identity linking and data-subject rights (export, erase). */
export class CustomerService {
  private readonly db: Db;
  private readonly repo: CustomerRepository;
  private readonly links: IdentityLinkService;
  private readonly privacy: CustomerPrivacyService;

  private readonly onLinked?: (identity: ChannelIdentityRef, outcome: LinkedOutcome) => void;
  private readonly onErased?: (customerId: string) => void;

  /** `onLinked` is told after an identity moved to another customer (caches keyed by identity must forget it). */
  constructor(deps: { db: Db; clock: Clock; shopSecret?: string; onLinked?: (identity: ChannelIdentityRef, outcome: LinkedOutcome) => void; onErased?: (customerId: string) => void }) {
    this.onLinked = deps.onLinked;
    this.onErased = deps.onErased;
    this.db = deps.db;
    this.repo = new CustomerRepository(deps.db);
    this.links = new IdentityLinkService(deps.db, deps.clock, deps.shopSecret);
    this.privacy = new CustomerPrivacyService(deps.db, deps.clock);
  }

  /** The profile with its identities, or undefined. */
  async get(customerId: string): Promise<CustomerDetails | undefined> {
    const profile = await this.repo.profile(customerId);
    return profile && { ...profile, identities: await this.repo.identities(customerId) };
  }

  /**
   * Updates the profile after validating every field (400 naming the field); 409 once erased.
   * `audit` runs in the update's transaction (the change and its audit row commit together).
   */
  async updateProfile(customerId: string, update: ProfileUpdate, audit?: (trx: Db) => Promise<void>): Promise<CustomerDetails> {
    const parsed = profileUpdateSchema.safeParse(update);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError('validation_failed', `${issue.path.join('.') || 'update'}: ${issue.message}`);
    }
    await this.db.transaction().execute(async (trx) => {
      const repo = new CustomerRepository(trx);
      // Checked under the row's lock: an erase committing meanwhile is seen here, not overwritten.
      const erasedAt = await repo.lockErasedAt(customerId);
      if (erasedAt === undefined) throw new AppError('not_found', `customer ${customerId} not found`);
      if (erasedAt) throw new AppError('conflict', `customer ${customerId} was erased; the profile cannot be changed`);
      await repo.update(customerId, parsed.data);
      await audit?.(trx);
    });
    return (await this.get(customerId))!;
  }

  /** Filters (`q` over name/email/phone, `tag`, `shopId`) AND together; erased customers are left out unless asked for. */
  search(filters: CustomerSearch): Promise<Page<CustomerProfile>> {
    return this.repo.search(filters);
  }

  /** Sends a one-time code to `sendTo` (a verified identity of an existing customer). */
  requestLinkCode(identity: ChannelIdentityRef, sendTo: ChannelIdentityRef): Promise<LinkCodeRequest> {
    return this.links.requestCode(identity, sendTo);
  }

  async confirmLinkCode(identity: ChannelIdentityRef, code: string): Promise<LinkOutcome> {
    return this.linked(identity, await this.links.confirmCode(identity, code));
  }

  async linkBySignedLink(claim: IdentityLinkClaim, signature: string): Promise<LinkOutcome> {
    return this.linked({ channel: claim.channel, externalId: claim.externalId }, await this.links.linkBySignedLink(claim, signature));
  }

  private linked(identity: ChannelIdentityRef, outcome: LinkOutcome): LinkOutcome {
    if (outcome.status === 'linked') this.onLinked?.(identity, outcome);
    return outcome;
  }

  export(customerId: string): Promise<CustomerExport> {
    return this.privacy.export(customerId);
  }

  /** `audit` runs in the erase's transaction (the erase and its audit row commit together). */
  async erase(customerId: string, audit?: (trx: Db) => Promise<void>): Promise<{ customerId: string; erasedAt: Date }> {
    const result = await this.privacy.erase(customerId, audit);
    // Caches keyed by this customer (conversation rows, identities) must not outlive the erase.
    this.onErased?.(customerId);
    return result;
  }
}
