import express from 'express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One activity the bot posted to the connector. */
export interface PostedActivity {
  conversation: string;
  replyTo?: string;
  body: { type?: string; text?: string; suggestedActions?: { actions: Array<{ title: string; value: string }> }; [key: string]: unknown };
}

/**
 * A Bot Framework connector service on 127.0.0.1 — the `serviceUrl` the real botbuilder SDK
 * (under Botkit's built-in adapter) posts replies to. `failWith` makes the next posts answer an error.
 */
export class FakeBotConnector {
  readonly posted: PostedActivity[] = [];
  failWith?: number;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    const app = express();
    app.use(express.json());
    const record = (req: express.Request, res: express.Response): void => {
      if (this.failWith) {
        res.status(this.failWith).json({ error: { code: 'Fake', message: `fake failure ${this.failWith}` } });
        return;
      }
      const conversation = String(req.params.conversation);
      const replyTo = req.params.activity ? String(req.params.activity) : undefined;
      this.posted.push({ conversation, replyTo, body: req.body });
      res.json({ id: `sent-${this.posted.length}` });
    };
    app.post('/v3/conversations/:conversation/activities', record);
    app.post('/v3/conversations/:conversation/activities/:activity', record);
    this.server = createServer(app);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Activities posted to `conversation`. */
  to(conversation: string): PostedActivity[] {
    return this.posted.filter((p) => p.conversation === conversation);
  }

  async waitFor(test: () => boolean, timeoutMs = 5_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!test()) {
      if (Date.now() > until) throw new Error(`fake connector: condition not met in ${timeoutMs} ms; posted ${JSON.stringify(this.posted)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** A Bot Framework `message` activity from a customer, as a channel would post it to the bot. */
export function customerActivity(o: { id: string; text: string; conversation: string; serviceUrl: string; user?: string; name?: string; value?: unknown; locale?: string }): Record<string, unknown> {
  return {
    type: 'message', id: o.id, text: o.text, channelId: 'test', serviceUrl: o.serviceUrl, timestamp: new Date().toISOString(),
    from: { id: o.user ?? `user-${o.conversation}`, name: o.name }, recipient: { id: 'patron-bot', name: 'Patron' },
    conversation: { id: o.conversation }, ...(o.value !== undefined ? { value: o.value } : {}), ...(o.locale ? { locale: o.locale } : {}),
  };
}
