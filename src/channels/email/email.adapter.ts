import nodemailer, { type Transporter } from 'nodemailer';
import type { OutboundMessage } from '../../core/message.js';
import { DeliveryError, type ChannelAdapter, type Pace, type SendResult } from '../channel-adapter.js';

export interface EmailAdapterOptions {
  /** smtp://user:pass@host:port or smtps://… */
  smtpUrl: string;
  /** `Shop <news@shop.example>` */
  from: string;
  /** Messages per second across all instances (the SMTP relay's limit). */
  ratePerSecond?: number;
  /** Test seam: a ready transport instead of one built from `smtpUrl`. */
  transport?: Transporter;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const linkify = (s: string) => escapeHtml(s).replace(/(https?:\/\/[^\s<]+)/g, '<a href="$1">$1</a>');

/**
 * E-mail over SMTP with nodemailer. The subject is the message's first line; buttons become
 * links. A `link` attachment named `unsubscribe` becomes the List-Unsubscribe header with RFC 8058
 * one-click (`List-Unsubscribe-Post`), beside the visible link already in the text.
 */
export class EmailAdapter implements ChannelAdapter {
  readonly id = 'email';
  readonly inline = false;
  readonly pacing: { global: Pace };
  private readonly transport: Transporter;
  private lastError: string | null = null;

  constructor(private readonly options: EmailAdapterOptions) {
    this.pacing = { global: { points: options.ratePerSecond ?? 10, durationMs: 1000 } };
    this.transport = options.transport ?? nodemailer.createTransport(options.smtpUrl, { pool: true, maxConnections: 2 } as never);
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.transport.close();
  }

  health(): { ok: boolean; detail?: string } {
    return this.lastError ? { ok: false, detail: this.lastError } : { ok: true };
  }

  async send(to: string, message: OutboundMessage): Promise<SendResult> {
    if (!/^[^\s@]+@[^\s@]+$/.test(to)) throw new DeliveryError('permanent', `"${to}" is not an e-mail address`);
    const unsubscribe = message.attachments?.find((a) => a.type === 'link' && a.name === 'unsubscribe')?.url;
    const { subject, text, html } = compose(message);
    try {
      const info = await this.transport.sendMail({
        from: this.options.from, to, subject, text, html,
        headers: unsubscribe ? { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : undefined,
      });
      this.lastError = null;
      return { platformMessageId: info.messageId };
    } catch (err) {
      throw classify(err, (m) => (this.lastError = m));
    }
  }
}

/** Subject (first line, ≤ 120 chars), plain text and a minimal HTML body. */
export function compose(message: OutboundMessage): { subject: string; text: string; html: string } {
  const firstLine = message.text.split('\n', 1)[0].trim();
  const subject = firstLine.length > 120 ? `${firstLine.slice(0, 117)}…` : firstLine;
  const links = (message.buttons ?? []).filter((b) => b.url).map((b) => `${b.label}: ${b.url}`);
  const text = [message.text, ...links].join('\n');
  const html = `<div>${message.text.split('\n').map(linkify).join('<br>')}</div>` +
    (message.buttons ?? []).filter((b) => b.url).map((b) => `<p><a href="${escapeHtml(b.url!)}">${escapeHtml(b.label)}</a></p>`).join('');
  return { subject, text, html };
}

/** SMTP replies: 4xx and network errors retry, 550/551/553 mean the mailbox is gone, other 5xx are final. */
function classify(err: unknown, note: (m: string) => void): DeliveryError {
  const e = err as { responseCode?: number; code?: string; message?: string };
  const msg = `SMTP: ${e.message ?? String(err)}`;
  if (typeof e.responseCode === 'number') {
    if (e.responseCode >= 500) return new DeliveryError([550, 551, 553].includes(e.responseCode) ? 'unreachable' : 'permanent', msg);
    return new DeliveryError('retry', msg);
  }
  note(msg);
  return new DeliveryError('retry', msg);
}

/**
 * Builds the e-mail channel from the environment (SMTP_URL, MAIL_FROM, EMAIL_RATE_PER_SEC), or
 * null when SMTP_URL is unset.
 */
export function buildEmailChannel(env: NodeJS.ProcessEnv = process.env): EmailAdapter | null {
  if (!env.SMTP_URL) return null;
  const url = new URL(env.SMTP_URL);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`SMTP_URL must start with smtp:// or smtps:// (got ${url.protocol})`);
  const rate = env.EMAIL_RATE_PER_SEC ? Number(env.EMAIL_RATE_PER_SEC) : undefined;
  return new EmailAdapter({ smtpUrl: env.SMTP_URL, from: env.MAIL_FROM || 'Patron <no-reply@localhost>', ratePerSecond: rate && rate > 0 ? rate : undefined });
}
