import { postJson } from '../../../helpers/app.js';

export interface Reply {
  text: string;
  quickReplies?: { label: string; payload: string }[];
  buttons?: { label: string; payload?: string }[];
}

/** One web-chat visitor talking to the real app over HTTP. */
export class Chat {
  constructor(
    private readonly url: string,
    public sessionId?: string,
  ) {}

  async say(text: string): Promise<Reply[]> {
    return this.send({ text });
  }

  async press(payload: string): Promise<Reply[]> {
    return this.send({ payload });
  }

  /** All reply texts of one turn, joined (assertions read them as one). */
  static text(replies: Reply[]): string {
    return replies.map((r) => r.text).join('\n');
  }

  static payloads(replies: Reply[]): string[] {
    return replies.flatMap((r) => [...(r.quickReplies ?? []), ...(r.buttons ?? [])].map((b) => b.payload ?? ''));
  }

  private async send(body: Record<string, unknown>): Promise<Reply[]> {
    const res = await postJson(`${this.url}/chat/messages`, { ...body, ...(this.sessionId ? { sessionId: this.sessionId } : {}) });
    if (res.status !== 200) throw new Error(`chat answered ${res.status}: ${JSON.stringify(res.body)}`);
    this.sessionId = res.body.sessionId;
    return res.body.replies as Reply[];
  }
}
