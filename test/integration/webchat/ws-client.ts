import { WebSocket } from 'ws';

export type Frame = Record<string, any>;

/** A test client that records every frame and waits for the ones a test asks for. */
export class Client {
  readonly frames: Frame[] = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)));
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  static async open(base: string): Promise<Client> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/chat/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new Client(ws);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first recorded frame (from `from` on) that matches. */
  async next(match: (f: Frame) => boolean, from = 0, timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  async hello(sessionId?: string, locale?: string): Promise<string> {
    const from = this.frames.length;
    this.send({ type: 'hello', sessionId, locale });
    return (await this.next((f) => f.type === 'session', from)).sessionId;
  }

  /** Sends a message and waits for the turn to finish; returns the frames of that turn. */
  async say(clientMessageId: string, body: Frame): Promise<Frame[]> {
    const from = this.frames.length;
    this.send({ type: 'message', clientMessageId, ...body });
    await this.next((f) => f.type === 'typing' && f.on === false && f.inReplyTo === clientMessageId, from);
    return this.frames.slice(from);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((r) => {
      this.ws.once('close', () => r());
      this.ws.close();
    });
  }
}

