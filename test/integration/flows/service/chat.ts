import type { App } from '../../../../src/main.js';
import { postJson } from '../../../helpers/app.js';

export interface Reply {
  text: string;
  quickReplies?: Array<{ label: string; payload?: string; url?: string }>;
  buttons?: Array<{ label: string; payload?: string; url?: string }>;
}

/** One web-chat visitor talking to the app over HTTP (a new session, so a new customer). */
export class Visitor {
  sessionId?: string;
  private customer?: string;

  constructor(private readonly app: App) {}

  /** Sends a typed message (or `{payload}` for a pressed button) and returns the replies. */
  async say(input: string | { payload: string } | { text: string; clientMessageId: string }): Promise<Reply[]> {
    const body = typeof input === 'string' ? { text: input } : input;
    const res = await postJson(`${this.app.url}/chat/messages`, { sessionId: this.sessionId, ...body });
    if (res.status !== 200) throw new Error(`chat answered ${res.status}: ${JSON.stringify(res.body)}`);
    this.sessionId = res.body.sessionId;
    return res.body.replies;
  }

  /** Presses the quick reply or button whose payload is `payload` (it must have been offered). */
  async press(reply: Reply | undefined, payload: string): Promise<Reply[]> {
    const offered = [...(reply?.quickReplies ?? []), ...(reply?.buttons ?? [])].map((b) => b.payload);
    if (!offered.includes(payload)) throw new Error(`"${payload}" was not offered; offered: ${offered.join(', ')}`);
    return this.say({ payload });
  }

  /** The customer id behind this session (read once, before anything can erase the thread id). */
  async customerId(): Promise<string> {
    if (this.customer) return this.customer;
    const conversation = await this.app.repos.conversations.findByExternal('webchat', this.sessionId!.split('.')[0]);
    if (!conversation) throw new Error(`no conversation for session ${this.sessionId}`);
    this.customer = conversation.customer_id;
    return this.customer;
  }

  async conversation() {
    return this.app.repos.conversations.findByExternal('webchat', this.sessionId!.split('.')[0]);
  }
}

/** Payloads offered by a reply, for assertions. */
export const payloads = (reply: Reply | undefined): string[] =>
  [...(reply?.quickReplies ?? []), ...(reply?.buttons ?? [])].flatMap((b) => (b.payload ? [b.payload] : []));

/** What the fallback says in either language (a reply must never be this). */
export const FALLBACK_TEXT = /didn't quite get|not sure I understood|still didn't catch|没太明白|没听懂|还是没明白/i;
