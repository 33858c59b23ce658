import { WebSocket, type RawData } from 'ws';
import { isAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Locale } from '../../core/message.js';
import type { ConversationRepository } from '../../crm/conversations/conversation.repository.js';
import type { TranscriptRepository } from '../../crm/conversations/transcript.repository.js';
import type { WebchatAdapter } from './webchat.adapter.js';
import { parseClientFrame, toWire, type HelloFrame, type MessageFrame, type ServerFrame } from './webchat-protocol.js';

/** What one connection needs from the endpoint (see `attachWebchatSocket`). */
export interface ConnectionDeps {
  conversations: ConversationRepository;
  transcripts: TranscriptRepository;
  log: Logger;
  /** Largest frame handled; bigger ones get a `too_large` error (the socket stays open). */
  maxFrameBytes: number;
  defaultLocale: Locale;
  /** Message frames allowed per socket in any 10 s window. */
  messagesPer10s: number;
}

// A client that does not read its replies must not grow our memory without bound.
const MAX_BUFFERED_BYTES = 1 << 20;
const RATE_WINDOW_MS = 10_000;

/**
 * One visitor's socket: validates frames, keeps the session, runs turns in arrival order and
 * forwards pushed messages (agent, campaign) for its session.
 */
export class WebchatConnection {
  alive = true;
  private session?: { id: string; token: string };
  private unlisten?: () => void;
  // Turns, history and hello look-ups run one after another so replies keep the visitor's order.
  private chain: Promise<void> = Promise.resolve();
  private window = { start: 0, count: 0 };

  constructor(
    private readonly ws: WebSocket,
    private readonly adapter: WebchatAdapter,
    private readonly deps: ConnectionDeps,
  ) {
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('close', () => this.dispose());
    ws.on('error', (err) => deps.log.debug({ err }, 'web chat socket error'));
  }

  /** Resolves when every frame received so far has been handled. */
  idle(): Promise<void> {
    return this.chain;
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
    if (bytes > this.deps.maxFrameBytes) return this.error('too_large', `frame is ${bytes} bytes; the limit is ${this.deps.maxFrameBytes}`);
    if (isBinary) return this.error('bad_frame', 'binary frames are not accepted; send JSON text');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientFrame(text);
    if (!parsed.ok) return this.error(parsed.code, parsed.message, parsed.clientMessageId);
    const frame = parsed.frame;
    if (frame.type === 'hello') return this.hello(frame);
    if (frame.type === 'history') return this.enqueue(() => this.history());
    this.message(frame);
  }

  private hello(frame: HelloFrame): void {
    const opened = this.adapter.open(frame.sessionId);
    if (opened.rejected) this.error('unauthorized', 'sessionId is not a valid web chat session; a new session was started');
    this.bind(opened);
    this.enqueue(async () => {
      const conversation = await this.deps.conversations.findByExternal('webchat', opened.id);
      const locale = frame.locale ?? (conversation?.locale as Locale | null) ?? this.deps.defaultLocale;
      this.send({ type: 'session', sessionId: opened.token, locale });
    });
  }

  private message(frame: MessageFrame): void {
    const id = frame.clientMessageId;
    if (!this.allowMessage()) return this.error('rate_limited', 'too many messages; wait a few seconds and send again', id);
    // A message before hello starts a session implicitly, so a minimal client still works.
    if (!this.session) this.hello({ type: 'hello', locale: frame.locale });
    this.send({ type: 'ack', clientMessageId: id });
    this.enqueue(() => this.turn(frame));
  }

  private async turn(frame: MessageFrame): Promise<void> {
    const inReplyTo = frame.clientMessageId;
    this.send({ type: 'typing', on: true, inReplyTo });
    try {
      const { result } = await this.adapter.turn({
        sessionId: this.session!.token, text: frame.text, payload: frame.payload, locale: frame.locale, clientMessageId: inReplyTo,
      });
      for (const reply of result.replies) this.send({ type: 'reply', message: toWire(reply), inReplyTo, locale: result.locale });
    } catch (err) {
      if (!isAppError(err)) this.deps.log.error({ err }, 'web chat turn failed');
      this.error(isAppError(err) ? err.code : 'internal', isAppError(err) ? err.message : 'the message could not be handled; send it again', inReplyTo);
    } finally {
      this.send({ type: 'typing', on: false, inReplyTo });
    }
  }

  private async history(): Promise<void> {
    if (!this.session) return this.error('bad_frame', 'send hello before asking for history');
    const conversation = await this.deps.conversations.findByExternal('webchat', this.session.id);
    const messages = conversation ? await this.deps.transcripts.forConversation(conversation.id) : [];
    this.send({ type: 'history', messages });
  }

  private bind(session: { id: string; token: string }): void {
    if (this.session?.id !== session.id) {
      this.unlisten?.();
      this.unlisten = this.adapter.listen(session.id, (m) => this.send({ type: 'push', message: toWire(m) }));
    }
    this.session = { id: session.id, token: session.token };
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task).catch((err) => {
      this.deps.log.error({ err }, 'web chat frame failed');
      this.error('internal', 'the request could not be handled; try again');
    });
  }

  private allowMessage(): boolean {
    const now = Date.now();
    if (now - this.window.start >= RATE_WINDOW_MS) this.window = { start: now, count: 0 };
    return ++this.window.count <= this.deps.messagesPer10s;
  }

  private error(code: string, message: string, clientMessageId?: string): void {
    this.send({ type: 'error', code, message, ...(clientMessageId ? { clientMessageId } : {}) });
  }

  private send(frame: ServerFrame): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) return void this.ws.terminate();
    this.ws.send(JSON.stringify(frame));
  }

  private dispose(): void {
    this.unlisten?.();
    this.unlisten = undefined;
  }
}
