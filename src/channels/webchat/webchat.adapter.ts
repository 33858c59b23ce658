import { EventEmitter } from 'node:events';
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Locale, OutboundMessage } from '../../core/message.js';
import type { ChannelAdapter, InboundHandler, SendResult } from '../channel-adapter.js';
import type { WebchatSessions } from './webchat-session.js';

const STOPPING = Symbol('stopping');

export interface WebchatTurn {
  sessionId?: string;
  text?: string;
  payload?: string;
  locale?: Locale;
  clientMessageId?: string;
}

/** Carries pushes to every instance (Redis pub/sub when several run): each delivers to its own sockets. */
export interface WebchatRelay {
  publish(conversation: string, message: OutboundMessage): Promise<void>;
}

/**
 * The shop's own web chat. Replies to a visitor's message come back in the HTTP response (the
 * pipeline commits them as delivered); messages that start elsewhere — an agent, a campaign — are
 * pushed to the visitor's open sockets by `send` and are in the history either way.
 */
export class WebchatAdapter implements ChannelAdapter {
  readonly id = 'webchat';
  readonly inline = true;
  private readonly events = new EventEmitter();
  private relay: WebchatRelay | null = null;

  constructor(
    private readonly sessions: WebchatSessions,
    private readonly handle: InboundHandler,
  ) {
    this.events.setMaxListeners(0);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {
    // Open sockets are closed first so the HTTP server's close() is not held up by them.
    this.events.emit(STOPPING);
    this.events.removeAllListeners();
  }

  /** Called once when the adapter stops (the WebSocket endpoint closes its clients). */
  onStop(listener: () => void): () => void {
    this.events.once(STOPPING, listener);
    return () => this.events.off(STOPPING, listener);
  }

  /** One visitor message through the pipeline; a missing session starts a new one. */
  async turn(input: WebchatTurn) {
    const session = this.session(input.sessionId);
    const result = await this.handle({
      id: input.clientMessageId ? `${session.id}:${input.clientMessageId}` : newId(),
      channel: this.id,
      conversation: session.id,
      sender: { id: session.id },
      text: input.text,
      payload: input.payload,
      attachments: [],
      locale: input.locale,
      receivedAt: new Date(),
    });
    return { sessionId: session.token, result };
  }

  /** The session id behind a token; throws 401 for a forged one. */
  sessionId(token: string): string {
    const id = this.sessions.verify(token);
    if (!id) throw new AppError('unauthorized', 'sessionId is not a valid web chat session');
    return id;
  }

  /**
   * Pushes reach the visitor's sockets wherever they are connected: with a relay, `send` publishes and
   * every instance (this one included) calls {@link deliver}; a failed publish fails the send, so the
   * outbox retries it. Without one, pushes go to this process's sockets only.
   */
  relayThrough(relay: WebchatRelay): void {
    this.relay = relay;
  }

  async send(conversation: string, message: OutboundMessage): Promise<SendResult> {
    if (this.relay) await this.relay.publish(conversation, message);
    else this.deliver(conversation, message);
    return {};
  }

  /** Hands a pushed message to this process's open sockets for the conversation (if any). */
  deliver(conversation: string, message: OutboundMessage): void {
    this.events.emit(conversation, message);
  }

  /** Live messages for one session (used by the WebSocket endpoint). */
  listen(sessionId: string, listener: (m: OutboundMessage) => void): () => void {
    this.events.on(sessionId, listener);
    return () => this.events.off(sessionId, listener);
  }

  /**
   * Resumes the session behind `token`, or issues a new one when there is none; a forged or
   * expired token also gets a new session, with `rejected` set so the caller can say so.
   */
  open(token?: string): { id: string; token: string; rejected: boolean } {
    const id = token ? this.sessions.verify(token) : undefined;
    if (id) return { id, token: token!, rejected: false };
    return { ...this.sessions.issue(), rejected: token !== undefined };
  }

  private session(token: string | undefined): { id: string; token: string } {
    if (!token) return this.sessions.issue();
    return { id: this.sessionId(token), token };
  }
}
