import { createHmac, timingSafeEqual } from 'node:crypto';

/** Hex HMAC-SHA256 of `data` with `secret`. */
export function hmacHex(secret: string, data: string | Buffer): string {
  return createHmac('sha256', secret).update(data).digest('hex');
}

/** Constant-time comparison of two hex strings (false on any length or format mismatch). */
export function safeEqualHex(a: string, b: string): boolean {
  if (!/^[0-9a-f]+$/i.test(a) || !/^[0-9a-f]+$/i.test(b) || a.length !== b.length || a.length % 2 !== 0) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/** The `X-Shop-Signature` value for a raw body: `sha256=<hex>`. */
export function signShopBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${hmacHex(secret, rawBody)}`;
}

/** True when `header` is `sha256=<hex>` matching the body's HMAC. */
export function verifyShopSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return false;
  return safeEqualHex(match[1].toLowerCase(), hmacHex(secret, rawBody));
}

/** What a shop-signed identity link vouches for; `expiry` is in Unix seconds. */
export interface IdentityLinkClaim {
  shopCustomerId: string;
  channel: string;
  externalId: string;
  expiry: number;
}

/** Hex HMAC-SHA256 over `customerShopId.channel.externalId.expiry` (what the shop puts in the link). */
export function signIdentityLink(secret: string, claim: IdentityLinkClaim): string {
  return hmacHex(secret, `${claim.shopCustomerId}.${claim.channel}.${claim.externalId}.${claim.expiry}`);
}
