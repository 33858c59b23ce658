import type { Logger } from '../core/logger.js';
import type { InboundMessage, Locale, OutboundMessage } from '../core/message.js';
import type { Vars } from '../core/i18n.js';
import type { Conversation } from '../storage/schema.js';
import type { FlowServices } from './flow-services.js';

/** What the understanding step concluded about one message. */
export interface Understanding {
  intent: string;
  confidence: number;
  /** Where the intent came from: the classifier, a button payload, or a keyword. */
  source: 'nlu' | 'payload' | 'keyword';
}

/** Per-conversation state kept between turns (stored as JSON on the conversation). */
export interface SessionState {
  /** The multi-turn flow in progress, if any. */
  flow?: string;
  step?: string;
  data?: Record<string, unknown>;
  /** Consecutive messages the bot did not understand (3 → offer a human). */
  fallbacks?: number;
  [key: string]: unknown;
}

/** The context every pipeline stage and flow works on for one inbound message. */
export interface FlowContext {
  readonly message: InboundMessage;
  customer: { id: string; name: string | null; locale: string | null };
  conversation: Conversation;
  session: SessionState;
  locale: Locale;
  understanding?: Understanding;
  /** How the turn ended: processed, duplicate, or held for an agent. */
  status: 'processed' | 'duplicate' | 'held';
  /** Name of the flow that answered, for the log and metrics. */
  flowName?: string;
  readonly replies: OutboundMessage[];
  readonly services: FlowServices;
  readonly log: Logger;
  /**
   * Queues a reply (a text, or a full message with buttons). `system` marks a notice about the
   * conversation itself (e.g. "a colleague will take over"), which is sent even though the bot no
   * longer owns the thread; plain replies are dropped once an agent or the queue owns it.
   */
  reply(message: string | OutboundMessage, options?: { system?: boolean }): void;
  /** A reply text in the conversation's locale. */
  t(key: string, vars?: Vars): string;
  /** A key that is the same on every redelivery of this message, for idempotent side effects. */
  idempotencyKey(suffix: string): string;
}
