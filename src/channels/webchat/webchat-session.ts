import { createHmac, timingSafeEqual } from 'node:crypto';
import { newToken } from '../../core/ids.js';

/**
 * Web chat sessions are signed tokens `<id>.<signature>`: the id names the conversation, the
 * HMAC proves this server issued it, so nobody can read another visitor's chat by guessing ids.
 */
export class WebchatSessions {
  constructor(private readonly secret: string) {}

  issue(): { token: string; id: string } {
    const id = newToken(18);
    return { token: `${id}.${this.sign(id)}`, id };
  }

  /** The session id of a valid token, or undefined for a forged or malformed one. */
  verify(token: string): string | undefined {
    const dot = token.lastIndexOf('.');
    if (dot <= 0 || token.length > 200) return undefined;
    const id = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.sign(id));
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
  }

  private sign(id: string): string {
    return createHmac('sha256', this.secret).update(`webchat:${id}`).digest('base64url').slice(0, 32);
  }
}
