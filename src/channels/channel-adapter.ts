import type { ChannelId, InboundMessage, OutboundMessage } from '../core/message.js';
import type { TurnResult } from '../flows/pipeline.js';

/** Hands one normalised message to the pipeline and gets the committed result back. */
export type InboundHandler = (message: InboundMessage) => Promise<TurnResult>;

export interface SendResult {
  platformMessageId?: string;
}

export interface Pace {
  points: number;
  durationMs: number;
}

/** How a failed send should be treated by the outbox sender. */
export type DeliveryFailure = 'retry' | 'permanent' | 'unreachable';

/**
 * Thrown by `ChannelAdapter.send`: `retry` for 429/5xx/network (with the platform's retry-after
 * when it gave one), `permanent` for a message the platform will never accept, `unreachable` when
 * the customer blocked the bot or left (the identity is then marked unreachable).
 */
export class DeliveryError extends Error {
  constructor(
    readonly failure: DeliveryFailure,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/**
 * A channel: turns platform events into InboundMessages for the pipeline and sends
 * OutboundMessages back (falling back to plain text for what the platform cannot show).
 */
export interface ChannelAdapter {
  readonly id: ChannelId;
  /** Replies are returned to the waiting caller (web chat, terminal) instead of pushed by the sender. */
  readonly inline: boolean;
  /** Platform limits the sender keeps to, per chat and across all chats (shared by all instances). */
  readonly pacing?: { perChat?: Pace; global?: Pace };
  start(): Promise<void>;
  stop(): Promise<void>;
  send(conversation: string, message: OutboundMessage): Promise<SendResult>;
  /** For /readyz: is the platform reachable and the adapter working? */
  health?(): { ok: boolean; detail?: string };
}
