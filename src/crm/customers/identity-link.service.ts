import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { OutboxRepository } from '../../channels/delivery/outbox.repository.js';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../storage/database.js';
import { safeEqualHex, signIdentityLink, type IdentityLinkClaim } from '../shop/shop-signature.js';
import { CustomerRepository } from './customer.repository.js';
import { IdentityLinkRepository } from './identity-link.repository.js';

export const LINK_CODE_TTL_MS = 10 * 60_000;
export const LINK_CODE_MAX_ATTEMPTS = 5;
/** Codes one identity may ask for per hour, so new codes cannot be used to go round the attempt limit. */
export const LINK_CODE_MAX_PER_HOUR = 5;

export interface ChannelIdentityRef {
  channel: string;
  externalId: string;
}

/**
 * Outcome of asking for a code. A flow must answer the same way for `sent` and
 * `no_verified_identity`, so nobody can probe which addresses belong to customers.
 */
export type LinkCodeRequest =
  | { status: 'sent'; expiresAt: Date }
  | { status: 'no_verified_identity' }
  | { status: 'throttled' }
  | { status: 'already_linked'; customerId: string };

export type LinkOutcome =
  | { status: 'linked'; customerId: string; previousCustomerId?: string; deletedPlaceholder: boolean }
  | { status: 'wrong_code'; attemptsLeft: number }
  | { status: 'expired' }
  | { status: 'too_many_attempts' }
  | { status: 'no_pending_code' }
  | { status: 'invalid_signature' };

const CODE_TEXT: Record<string, (code: string) => string> = {
  en: (c) => `Your verification code is ${c}. It expires in 10 minutes. If you did not ask for it, ignore this message.`,
  'zh-CN': (c) => `您的验证码是 ${c}，10 分钟内有效。如非本人操作，请忽略此消息。`,
};

/**
 * Proves that a new channel identity belongs to an existing customer before joining them: a
 * one-time code sent to one of the customer's verified identities, or a link signed by the shop.
 * Never joins customers on a matching display name.
 */
export class IdentityLinkService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly shopSecret: string | undefined,
  ) {}

  /** Sends a 6-digit code to the verified identity `sendTo`; confirming it links `identity` to its customer. */
  async requestCode(identity: ChannelIdentityRef, sendTo: ChannelIdentityRef): Promise<LinkCodeRequest> {
    const now = this.clock.now();
    const repo = new IdentityLinkRepository(this.db);
    const target = await repo.findVerified(sendTo.channel, normalise(sendTo));
    if (!target) return { status: 'no_verified_identity' };
    const current = await new CustomerRepository(this.db).findIdByIdentity(identity.channel, identity.externalId);
    if (current === target.customer_id) return { status: 'already_linked', customerId: current };
    if ((await repo.countSince(identity.channel, identity.externalId, new Date(now.getTime() - 3_600_000))) >= LINK_CODE_MAX_PER_HOUR) {
      return { status: 'throttled' };
    }
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = new Date(now.getTime() + LINK_CODE_TTL_MS);
    const text = (CODE_TEXT[target.locale ?? 'en'] ?? CODE_TEXT.en)(code);
    // The code and the message carrying it commit together: never a stored code nobody was sent.
    await this.db.transaction().execute(async (trx) => {
      const codes = new IdentityLinkRepository(trx);
      await codes.retireCodes(identity.channel, identity.externalId, now);
      const id = await codes.insertCode({ customerId: target.customer_id, ...identity, codeHash: (codeId) => hashCode(codeId, code), expiresAt, at: now });
      await new OutboxRepository(trx).enqueue({ dedupeKey: `link-code:${id}`, channel: sendTo.channel, recipient: normalise(sendTo), kind: 'system', message: { text }, customerId: target.customer_id });
    });
    return { status: 'sent', expiresAt };
  }

  /** Checks a code typed on `identity`; the right one (in time, within 5 tries) links it. */
  async confirmCode(identity: ChannelIdentityRef, code: string): Promise<LinkOutcome> {
    const now = this.clock.now();
    const repo = new IdentityLinkRepository(this.db);
    const row = await repo.latestUnused(identity.channel, identity.externalId);
    if (!row) return { status: 'no_pending_code' };
    if (row.expires_at.getTime() <= now.getTime()) return { status: 'expired' };
    const attempts = await repo.countAttempt(row.id, LINK_CODE_MAX_ATTEMPTS);
    if (attempts === undefined) return { status: 'too_many_attempts' };
    const given = Buffer.from(hashCode(row.id, code.trim()), 'hex');
    if (!timingSafeEqual(given, Buffer.from(row.code_hash, 'hex'))) {
      return { status: 'wrong_code', attemptsLeft: LINK_CODE_MAX_ATTEMPTS - attempts };
    }
    return this.db.transaction().execute(async (trx) => {
      if (!(await new IdentityLinkRepository(trx).markUsed(row.id, now))) return { status: 'no_pending_code' } as const;
      return link(trx, identity, row.customer_id);
    });
  }

  /**
   * Links `identity` to the shop customer named in a link the shop signed (HMAC-SHA256 over
   * `customerShopId.channel.externalId.expiry`, expiry in Unix seconds).
   */
  async linkBySignedLink(claim: IdentityLinkClaim, signature: string): Promise<LinkOutcome> {
    if (!this.shopSecret) throw new AppError('unavailable', 'signed identity links need SHOP_WEBHOOK_SECRET to be set');
    if (!safeEqualHex(signature.trim().toLowerCase(), signIdentityLink(this.shopSecret, claim))) return { status: 'invalid_signature' };
    if (!Number.isFinite(claim.expiry) || claim.expiry * 1000 <= this.clock.now().getTime()) return { status: 'expired' };
    return this.db.transaction().execute(async (trx) => {
      const { id } = await new CustomerRepository(trx).ensureByShopId(claim.shopCustomerId, this.clock.now());
      return link(trx, claim, id);
    });
  }
}

async function link(trx: Db, identity: ChannelIdentityRef, customerId: string): Promise<LinkOutcome> {
  const moved = await new IdentityLinkRepository(trx).moveIdentity(identity.channel, identity.externalId, customerId);
  return { status: 'linked', customerId, deletedPlaceholder: moved.deletedPlaceholder, ...(moved.fromCustomerId ? { previousCustomerId: moved.fromCustomerId } : {}) };
}

function hashCode(id: string, code: string): string {
  return createHash('sha256').update(`${id}:${code}`).digest('hex');
}

/** Email addresses are stored lower-case; other channels' ids are kept as given. */
function normalise(ref: ChannelIdentityRef): string {
  return ref.channel === 'email' ? ref.externalId.trim().toLowerCase() : ref.externalId;
}
