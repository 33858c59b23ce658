/**
 * A fake of Slack's Web API: a real HTTP server on 127.0.0.1 that the real @slack/web-api client
 * (through bolt's `clientOptions.slackApiUrl`) talks to. It records every call and can be told to
 * fail the next calls with a 429 + Retry-After, a 5xx, or a platform error (`{ok:false,error}`).
 * Signed Events API / interactivity requests are in ./slack/slack-events.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { slackTs } from './slack/slack-events.js';

export * from './slack/slack-events.js';

export interface SlackCall {
  method: string;
  params: Record<string, unknown>;
  token?: string;
  /** HTTP status the fake answered with. */
  status: number;
  response: unknown;
  at: number;
}

export type SlackFailure =
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'http'; status: number }
  | { kind: 'platform'; error: string };

export interface FakeUser {
  id: string;
  name: string;
  real_name?: string;
  profile?: { first_name?: string; display_name?: string; real_name?: string };
  locale?: string;
  tz?: string;
}

export interface FakeSlackOptions {
  /** Accepted bot token (others get `invalid_auth`); any token when unset. */
  token?: string;
  botUserId?: string;
  botId?: string;
  teamId?: string;
}

interface Scripted {
  failure: SlackFailure;
  remaining: number;
  method?: string;
  channel?: string;
}

/** Which calls a scripted failure applies to (all when empty). */
export interface FailureTarget {
  method?: string;
  /** Only calls whose `channel` parameter is this (keeps tests sharing one fake apart). */
  channel?: string;
}

export class FakeSlackApi {
  readonly calls: SlackCall[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly botUserId: string;
  readonly botId: string;
  private readonly scripts: Scripted[] = [];
  private seq = 0;
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: FakeSlackOptions,
  ) {
    this.botUserId = options.botUserId ?? 'UBOT0001';
    this.botId = options.botId ?? 'BBOT0001';
  }

  /** Starts the fake on a free port; `url` is the Web API base to give bolt (`…/api/`). */
  static async start(options: FakeSlackOptions = {}): Promise<FakeSlackApi> {
    let fake: FakeSlackApi | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeSlackApi(server, `http://127.0.0.1:${port}/api/`, options);
    return fake;
  }

  /** The next `count` calls matching `target` (default: any call) fail with `failure`. */
  failNext(count: number, failure: SlackFailure, target: FailureTarget = {}): void {
    this.scripts.push({ failure, remaining: count, ...target });
  }

  callsTo(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Successful calls of `method` (HTTP 200 and `ok: true`). */
  okCallsTo(method: string): SlackCall[] {
    return this.callsTo(method).filter((c) => c.status === 200 && (c.response as { ok?: boolean }).ok === true);
  }

  /** Resolves once `predicate` holds over the recorded calls; rejects after `timeoutMs`. */
  async waitFor(predicate: (calls: SlackCall[]) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.calls)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fake Slack: condition not met within ${timeoutMs} ms; calls: ${this.calls.map((c) => `${c.method}:${c.status}`).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  reset(): void {
    this.calls.length = 0;
    this.scripts.length = 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^\/api\/([\w.]+)$/.exec((req.url ?? '').split('?')[0]);
    const raw = await readBody(req);
    if (req.method !== 'POST' || !match) return this.reply(res, '?', {}, undefined, 404, { ok: false, error: 'unknown_method' });
    const method = match[1];
    let params: Record<string, unknown>;
    try {
      params = parseParams(raw, req.headers['content-type'] ?? '');
    } catch {
      return this.reply(res, method, {}, undefined, 200, { ok: false, error: 'invalid_form_data' });
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : (params.token as string | undefined);
    const scripted = this.takeScript(method, params);
    if (scripted) return this.fail(res, method, params, token, scripted);
    if (!token) return this.reply(res, method, params, token, 200, { ok: false, error: 'not_authed' });
    if (this.options.token && token !== this.options.token) return this.reply(res, method, params, token, 200, { ok: false, error: 'invalid_auth' });
    this.reply(res, method, params, token, 200, this.answer(method, params));
  }

  private answer(method: string, params: Record<string, unknown>): Record<string, unknown> {
    // The same generator as the events the tests send: a ts is unique in Slack, and a message the
    // fake posted must never share one with an event a test makes up (a reply would look like its parent).
    const ts = slackTs;
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://patron-test.slack.com/', team: 'Patron Test', user: 'patron', team_id: this.options.teamId ?? 'T0001', user_id: this.botUserId, bot_id: this.botId };
      case 'chat.postMessage': {
        if (!params.channel) return { ok: false, error: 'channel_not_found' };
        if (!params.text && !params.blocks) return { ok: false, error: 'no_text' };
        const at = ts();
        return { ok: true, channel: params.channel, ts: at, message: { type: 'message', user: this.botUserId, bot_id: this.botId, text: params.text, blocks: params.blocks, ts: at } };
      }
      case 'chat.update':
        return params.channel && params.ts ? { ok: true, channel: params.channel, ts: params.ts, text: params.text ?? '' } : { ok: false, error: 'message_not_found' };
      case 'conversations.open': {
        const users = String(params.users ?? '').split(',').filter(Boolean);
        return users.length === 1 ? { ok: true, channel: { id: `D${users[0].replace(/^[UW]/, '')}` } } : { ok: false, error: 'users_list_not_supplied' };
      }
      case 'users.info': {
        const user = this.users.get(String(params.user));
        return user ? { ok: true, user } : { ok: false, error: 'user_not_found' };
      }
      case 'views.open':
      case 'views.publish':
      case 'views.update':
      case 'views.push':
        return { ok: true, view: { id: `V${++this.seq}`, ...(typeof params.view === 'object' ? (params.view as object) : {}) } };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private takeScript(method: string, params: Record<string, unknown>): SlackFailure | undefined {
    const script = this.scripts.find(
      (s) => s.remaining > 0 && (s.method === undefined || s.method === method) && (s.channel === undefined || s.channel === params.channel),
    );
    if (!script) return undefined;
    script.remaining--;
    return script.failure;
  }

  private fail(res: ServerResponse, method: string, params: Record<string, unknown>, token: string | undefined, failure: SlackFailure): void {
    if (failure.kind === 'rate_limited') {
      res.setHeader('Retry-After', String(failure.retryAfterSeconds));
      return this.reply(res, method, params, token, 429, { ok: false, error: 'ratelimited' });
    }
    if (failure.kind === 'http') return this.reply(res, method, params, token, failure.status, { ok: false, error: 'service_unavailable' });
    this.reply(res, method, params, token, 200, { ok: false, error: failure.error });
  }

  private reply(res: ServerResponse, method: string, params: Record<string, unknown>, token: string | undefined, status: number, body: Record<string, unknown>): void {
    this.calls.push({ method, params, token, status, response: body, at: Date.now() });
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
    this.waiters.splice(0).forEach((w) => w());
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// The web-api client sends form bodies with objects (blocks, view) as JSON strings; JSON bodies are accepted too.
function parseParams(raw: string, contentType: string): Record<string, unknown> {
  if (!raw) return {};
  if (contentType.startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    out[key] = /^[[{]/.test(value) ? tryJson(value) : value;
  }
  return out;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
