import { createInterface, type Interface } from 'node:readline';
import { userInfo } from 'node:os';
import type { Button, OutboundMessage } from '../../core/message.js';
import type { ChannelAdapter, InboundHandler, SendResult } from '../channel-adapter.js';

export interface ConsoleOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Who is chatting (default: the OS user), so a returning user continues their conversation. */
  user?: string;
  /** Called when the input ends (Ctrl-D) or the user types /quit. */
  onClose?: () => void;
}

/**
 * The terminal channel (`npm run chat`): each line is a message through the same pipeline; quick
 * replies are numbered and a number picks one.
 */
export class ConsoleAdapter implements ChannelAdapter {
  readonly id = 'console';
  readonly inline = true;
  private rl?: Interface;
  private options: Button[] = [];
  private seq = 0;
  private readonly user: string;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly handle: InboundHandler, private readonly io: ConsoleOptions) {
    this.user = io.user ?? safeUser();
  }

  async start(): Promise<void> {
    this.rl = createInterface({ input: this.io.input, terminal: false });
    this.rl.on('line', (line) => {
      // Lines are handled one after another, in the order typed.
      this.queue = this.queue.then(() => this.onLine(line));
    });
    this.rl.on('close', () => void this.queue.then(() => this.io.onClose?.()));
    this.prompt();
  }

  async stop(): Promise<void> {
    this.rl?.close();
  }

  /** Resolves once every line read so far has been answered. */
  idle(): Promise<void> {
    return this.queue;
  }

  async send(_conversation: string, message: OutboundMessage): Promise<SendResult> {
    this.print(message, 'agent');
    return {};
  }

  private async onLine(line: string): Promise<void> {
    const text = line.trim();
    if (!text) return this.prompt();
    if (text === '/quit' || text === '/exit') {
      this.rl?.close();
      return;
    }
    const picked = /^\d+$/.test(text) ? this.options[Number(text) - 1] : undefined;
    try {
      const result = await this.handle({
        id: `${process.pid}-${Date.now()}-${++this.seq}`,
        channel: this.id,
        conversation: `console:${this.user}`,
        sender: { id: `console:${this.user}`, name: undefined },
        ...(picked?.payload ? { payload: picked.payload, text: undefined } : { text }),
        attachments: [],
        receivedAt: new Date(),
      });
      for (const reply of result.replies) this.print(reply, 'bot');
    } catch (err) {
      this.io.output.write(`! ${(err as Error).message}\n`);
    }
    this.prompt();
  }

  private print(message: OutboundMessage, who: 'bot' | 'agent'): void {
    const prefix = who === 'bot' ? 'bot' : 'agent';
    this.io.output.write(`${prefix}> ${message.text}\n`);
    const options = [...(message.quickReplies ?? []), ...(message.buttons ?? [])];
    if (options.length) {
      this.options = options;
      options.forEach((b, i) => this.io.output.write(`   ${i + 1}. ${b.label}${b.url ? ` <${b.url}>` : ''}\n`));
    }
  }

  private prompt(): void {
    this.io.output.write('you> ');
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'local';
  }
}
