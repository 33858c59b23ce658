import { createHash } from 'node:crypto';
import { Router, type Request, type RequestHandler } from 'express';
import { AppError } from '../core/errors.js';
import type { WebchatAdapter, WebchatTurn } from '../channels/webchat/webchat.adapter.js';
import type { Coordination, RateLimitResult } from '../storage/coordination.js';
import { MemoryCoordination } from '../storage/coordination.memory.js';

/** One bucket: `points` messages in any `durationMs`. */
export interface RateLimitRule {
  points: number;
  durationMs: number;
}

export interface ChatRateLimitOptions {
  /** Per web chat session, over HTTP and the WebSocket together (30 messages / 10 s). */
  perSession?: RateLimitRule;
  /** Per client IP over HTTP (120 / 10 s: several visitors may share one address behind NAT). */
  perIp?: RateLimitRule;
  /** Bucket key prefix (tests keep apps sharing one Redis apart). */
  prefix?: string;
}

export const DEFAULT_SESSION_RULE: RateLimitRule = { points: 30, durationMs: 10_000 };
export const DEFAULT_IP_RULE: RateLimitRule = { points: 120, durationMs: 10_000 };

/** The error a flooding sender gets: 429 with the seconds to wait (also sent as `Retry-After`). */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  /** `too` says what there was too much of; the message adds how long to wait. */
  constructor(too: string, retryAfterMs: number, again = 'send again') {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super('rate_limited', `${too}; wait ${seconds} s and ${again}`, { retryAfterSeconds: seconds });
    this.retryAfterSeconds = seconds;
  }
}

export interface SignInLimitOptions {
  /** Attempts per account (the e-mail given, known or not), 10 in 15 minutes. */
  perAccount?: RateLimitRule;
  /** Attempts per client IP, over every account: three accounts' worth (30 in 15 minutes by default). */
  perIp?: RateLimitRule;
  prefix?: string;
}

export const DEFAULT_SIGN_IN_ACCOUNT_RULE: RateLimitRule = { points: 10, durationMs: 15 * 60_000 };

/**
 * Password guessing on `POST /api/auth/login`: every attempt takes a point from the account's and
 * the address's bucket before the password is checked (so a refused guess costs no hashing).
 * Buckets are keyed by a hash of the lower-cased e-mail, never the address itself.
 */
export class SignInLimiter {
  private readonly account: RateLimitRule;
  private readonly ip: RateLimitRule;
  private readonly prefix: string;
  private readonly buckets: Buckets;

  constructor(coordination: Pick<Coordination, 'consume'>, options: SignInLimitOptions = {}) {
    this.buckets = new Buckets(coordination);
    this.account = options.perAccount ?? DEFAULT_SIGN_IN_ACCOUNT_RULE;
    this.ip = options.perIp ?? (unlimited(this.account) ? this.account : { points: this.account.points * 3, durationMs: this.account.durationMs });
    this.prefix = options.prefix ?? 'rl:sign-in';
  }

  /** Throws {@link RateLimitedError} when the address or the account has no attempts left. */
  async check(ip: string, email: string): Promise<void> {
    const account = createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22);
    await this.buckets.take(`${this.prefix}:ip:${ip}`, this.ip, 'too many sign-in attempts from this address', 'try again');
    await this.buckets.take(`${this.prefix}:account:${account}`, this.account, 'too many sign-in attempts for this account', 'try again');
  }
}

/** Express middleware form of {@link SignInLimiter} for the sign-in route (the error handler adds `Retry-After` to its 429). */
export function signInRateLimit(limiter: SignInLimiter): RequestHandler {
  return async (req, _res, next) => {
    const email = (req.body as { email?: unknown } | undefined)?.email;
    // A body without an e-mail is refused by the route's validation; only the address counts it.
    await limiter.check(clientIp(req), typeof email === 'string' ? email.slice(0, 200) : '');
    next();
  };
}

/**
 * Counts chat messages in the Coordination store (Redis when `REDIS_URL` is set, so every
 * instance shares the buckets). A refused message never reaches the pipeline: nothing is recorded.
 */
export class ChatRateLimiter {
  private readonly session: RateLimitRule;
  private readonly ip: RateLimitRule;
  private readonly prefix: string;
  private readonly buckets: Buckets;

  constructor(coordination: Pick<Coordination, 'consume'>, options: ChatRateLimitOptions = {}) {
    this.buckets = new Buckets(coordination);
    this.session = options.perSession ?? DEFAULT_SESSION_RULE;
    this.ip = options.perIp ?? DEFAULT_IP_RULE;
    this.prefix = options.prefix ?? 'rl:chat';
  }

  /** False when the per-session limit is `off` (nothing to count). */
  get countsSessions(): boolean {
    return !unlimited(this.session);
  }

  /** Throws {@link RateLimitedError} when the session's bucket is empty. */
  async checkSession(sessionId: string): Promise<void> {
    await this.check(`${this.prefix}:session:${sessionId}`, this.session, 'chat session');
  }

  /** Throws {@link RateLimitedError} when the address's bucket is empty. */
  async checkIp(ip: string): Promise<void> {
    await this.check(`${this.prefix}:ip:${ip}`, this.ip, 'address');
  }

  private check(key: string, rule: RateLimitRule, what: string): Promise<void> {
    return this.buckets.take(key, rule, `too many messages from this ${what}`);
  }
}

/**
 * Buckets in the Coordination store (shared by every instance when it is Redis), with this process's
 * memory standing in while the store cannot answer: an unreachable Redis must not take the chat or the
 * staff console down with it (/readyz already reports it), nor switch the limits off, so until it is
 * back each instance counts on its own — the same rules, held per instance.
 */
class Buckets {
  private readonly local = new MemoryCoordination();

  constructor(private readonly shared: Pick<Coordination, 'consume'>) {}

  /** Takes a point from `key`'s bucket; throws {@link RateLimitedError} when it is empty. */
  async take(key: string, rule: RateLimitRule, too: string, again?: string): Promise<void> {
    if (unlimited(rule)) return;
    let result: RateLimitResult;
    try {
      result = await this.shared.consume(key, rule.points, rule.durationMs);
    } catch {
      result = await this.local.consume(key, rule.points, rule.durationMs);
    }
    if (!result.allowed) throw new RateLimitedError(too, result.retryAfterMs, again);
  }
}

/**
 * `POST /chat/messages` guard, mounted before the web chat routes: a flooding address or session
 * gets 429 `{error: {code: 'rate_limited', …}}` with `Retry-After`. The session counted is the
 * verified one; a forged token counts only against the address (the route answers it 401).
 */
export function chatRateLimit(limiter: ChatRateLimiter, sessions: Pick<WebchatAdapter, 'sessionId'>): Router {
  const router = Router();
  const guard: RequestHandler = async (req, _res, next) => {
    await limiter.checkIp(clientIp(req));
    const session = limiter.countsSessions ? verifiedSession(req, sessions) : undefined;
    if (session) await limiter.checkSession(session);
    next();
  };
  router.post('/chat/messages', guard);
  return router;
}

/**
 * The web chat adapter as the WebSocket endpoint should see it: each turn first takes a point from
 * the session's bucket (the same bucket as `POST /chat/messages`), so opening more sockets or
 * mixing HTTP and WebSocket does not multiply a session's budget. A refused turn becomes the
 * socket's `{type:'error', code:'rate_limited'}` frame.
 */
export function rateLimitedWebchat(adapter: WebchatAdapter, limiter: ChatRateLimiter): WebchatAdapter {
  const limited = Object.create(adapter) as WebchatAdapter;
  // Own property on the wrapper; every other member is the adapter's own (prototype chain).
  Object.defineProperty(limited, 'turn', {
    value: async (input: WebchatTurn) => {
      const opened = input.sessionId ? adapter.open(input.sessionId) : undefined;
      if (opened && !opened.rejected) await limiter.checkSession(opened.id);
      return adapter.turn(input);
    },
  });
  return limited;
}

/** A limit set to `off` (parseRate gives it more points than any client can spend). */
function unlimited(rule: RateLimitRule): boolean {
  return rule.points >= Number.MAX_SAFE_INTEGER;
}

function verifiedSession(req: Request, sessions: Pick<WebchatAdapter, 'sessionId'>): string | undefined {
  const token = (req.body as { sessionId?: unknown } | undefined)?.sessionId;
  if (typeof token !== 'string' || !token || token.length > 200) return undefined;
  try {
    return sessions.sessionId(token);
  } catch {
    return undefined;
  }
}

// express resolves X-Forwarded-For only from trusted proxies (`trust proxy`), so a client cannot pick its bucket.
function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
