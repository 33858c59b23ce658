import { createHmac, timingSafeEqual } from 'node:crypto';
import { newToken } from '../../core/ids.js';

/**
 * Web chat sessions are signed tokens `<id>.<signature>`: the id names the conversation, the
 * HMAC proves this server issued it, so nobody can read another visitor's chat by guessing ids.
 */
export class WebchatSessions {
  // Tokens verified recently (an HMAC per request adds up: the rate limit and the turn both ask).
  // Only valid tokens are remembered; the secret never changes while the process runs.
  private readonly recent = new Map<string, string>();

  constructor(private readonly secret: string, private readonly remember = 2_000) {}

  issue(): { token: string; id: string } {
    const id = newToken(18);
    return { token: `${id}.${this.sign(id)}`, id };
  }

  /** The session id of a valid token, or undefined for a forged or malformed one. */
  verify(token: string): string | undefined {
    const known = this.recent.get(token);
    if (known !== undefined) return known;
    const dot = token.lastIndexOf('.');
    if (dot <= 0 || token.length > 200) return undefined;
    const id = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.sign(id));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (this.recent.size >= this.remember) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(token, id);
    return id;
  }

  private sign(id: string): string {
    return createHmac('sha256', this.secret).update(`webchat:${id}`).digest('base64url').slice(0, 32);
  }
}
