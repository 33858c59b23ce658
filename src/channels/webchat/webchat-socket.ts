import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../core/logger.js';
import type { Locale } from '../../core/message.js';
import type { ConversationRepository } from '../../crm/conversations/conversation.repository.js';
import type { TranscriptRepository } from '../../crm/conversations/transcript.repository.js';
import { WebchatConnection } from './webchat-connection.js';
import type { WebchatAdapter } from './webchat.adapter.js';

// The frame protocol is documented in webchat-protocol.ts.

export const WEBCHAT_SOCKET_PATH = '/chat/ws';

export interface WebchatSocketDeps {
  conversations: ConversationRepository;
  transcripts: TranscriptRepository;
  log: Logger;
  /** Largest frame handled, in bytes (16 KB); up to 4× that gets an error frame, beyond it the socket is closed (1009). */
  maxPayload?: number;
  /** Ping interval; a socket that missed the previous pong is terminated (30 s). */
  heartbeatMs?: number;
  /** Locale announced for a new session that did not ask for one (en). */
  defaultLocale?: Locale;
  /** Open sockets accepted at once by this instance (10,000); more are answered 503. */
  maxClients?: number;
  /** Message frames per socket in any 10 s window (30). */
  messagesPer10s?: number;
}

export interface WebchatSocket {
  /** Stops accepting upgrades and closes every open socket (1001), waiting briefly for them. */
  close(): Promise<void>;
  /** Open sockets right now. */
  clients(): number;
  /** Drops every socket without a close handshake, as a network failure would (tests, operations). */
  terminateAll(): void;
}

const attached = new WeakMap<Server, WebchatSocket>();

/** The endpoint attached to `server`, if any (tests replace it with one of their own settings). */
export function webchatSocketOf(server: Server): WebchatSocket | undefined {
  return attached.get(server);
}

/**
 * Serves the web chat WebSocket on `/chat/ws` of an existing HTTP server (other upgrade paths
 * are left to other handlers). Sockets are closed when the adapter stops or `close()` is called.
 */
export function attachWebchatSocket(server: Server, adapter: WebchatAdapter, deps: WebchatSocketDeps): WebchatSocket {
  // Two handlers on one path would both answer the same upgrade: attaching twice keeps the first.
  const existing = attached.get(server);
  if (existing) return existing;
  const maxFrameBytes = deps.maxPayload ?? 16 * 1024;
  const maxClients = deps.maxClients ?? 10_000;
  const log = deps.log.child({ part: 'webchat-socket' });
  // ws closes the connection past maxPayload; we refuse politely up to 4× the limit and keep it open.
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes * 4, perMessageDeflate: false, clientTracking: true });
  const connections = new Map<WebSocket, WebchatConnection>();
  let closing: Promise<void> | undefined;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(req.url) !== WEBCHAT_SOCKET_PATH) {
      // Somebody else may serve this path; if nobody does, do not leave the socket hanging.
      if (server.listenerCount('upgrade') === 1) refuse(socket, 404, 'Not Found');
      return;
    }
    if (closing) return refuse(socket, 503, 'Service Unavailable');
    if (wss.clients.size >= maxClients) return refuse(socket, 503, 'Service Unavailable');
    socket.on('error', () => socket.destroy());
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new WebchatConnection(ws, adapter, {
        conversations: deps.conversations, transcripts: deps.transcripts, log, maxFrameBytes,
        defaultLocale: deps.defaultLocale ?? 'en', messagesPer10s: deps.messagesPer10s ?? 30,
      });
      connections.set(ws, connection);
      ws.once('close', () => connections.delete(ws));
    });
  };
  server.on('upgrade', onUpgrade);

  const heartbeat = setInterval(() => {
    for (const [ws, connection] of connections) {
      if (!connection.alive) {
        ws.terminate();
        continue;
      }
      connection.alive = false;
      ws.ping();
    }
  }, deps.heartbeatMs ?? 30_000);
  heartbeat.unref();

  const close = (): Promise<void> => {
    closing ??= (async () => {
      server.off('upgrade', onUpgrade);
      if (attached.get(server) === handle) attached.delete(server);
      clearInterval(heartbeat);
      unsubscribeStop();
      await Promise.all([...connections.keys()].map((ws) => closeGracefully(ws)));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    })();
    return closing;
  };
  // The adapter stops during the app's shutdown, before the HTTP server waits for its connections.
  const unsubscribeStop = adapter.onStop(() => void close());

  const handle: WebchatSocket = {
    close,
    clients: () => connections.size,
    terminateAll: () => {
      for (const ws of connections.keys()) ws.terminate();
    },
  };
  attached.set(server, handle);
  return handle;
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0];
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function closeGracefully(ws: WebSocket, timeoutMs = 2_000): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) return resolve();
    const timer = setTimeout(() => ws.terminate(), timeoutMs);
    timer.unref();
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1001, 'server shutting down');
  });
}
