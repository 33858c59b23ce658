import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed unsubscribe tokens: `<base64url(customerId:channel)>.<HMAC>`. They never expire (an old
 * e-mail's link must still work) and carry no secret data, only who and which channel.
 */
export class UnsubscribeTokens {
  constructor(private readonly secret: string) {}

  sign(customerId: string, channel: string): string {
    const body = Buffer.from(`${customerId}:${channel}`).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The customer and channel, or null for a forged or damaged token. */
  verify(token: unknown): { customerId: string; channel: string } | null {
    if (typeof token !== 'string' || token.length > 300) return null;
    const [body, mac] = token.split('.');
    if (!body || !mac) return null;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const [customerId, channel] = Buffer.from(body, 'base64url').toString().split(':');
    if (!customerId || !channel) return null;
    return { customerId, channel };
  }

  /** The one-click URL (RFC 8058) under `publicUrl`. */
  url(publicUrl: string, customerId: string, channel: string): string {
    const u = new URL('/unsubscribe', publicUrl);
    u.searchParams.set('t', this.sign(customerId, channel));
    return u.toString();
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(`unsubscribe:${body}`).digest('base64url').slice(0, 32);
  }
}
