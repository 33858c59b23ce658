import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { AGENT_EVENTS, AGENT_INBOUND, type AgentEvent } from '../crm/handoff/handoff.types.js';
import type { StaffService } from '../crm/staff/staff.service.js';
import type { StaffPrincipal } from '../crm/staff/staff.types.js';
import type { Coordination, Unsubscribe } from '../storage/coordination.js';

export const AGENT_SOCKET_PATH = '/agent/ws';
/** Coordination channel: the id of a staff account whose access changed (disabled, token replaced, signed out…). */
export const STAFF_CHANGED = 'staff:changed';
const AUTH_TIMEOUT_MS = 10_000;
const HEARTBEAT_MS = 30_000;
const MAX_FRAME = 4096;

export interface AgentSocketDeps {
  staff: Pick<StaffService, 'authenticate'>;
  coordination: Pick<Coordination, 'subscribe'>;
  /** How often signed-in sockets are pinged and their token checked again (default 30 s). */
  heartbeatMs?: number;
}

export interface AgentSocket {
  /** Connected, signed-in consoles. */
  clients(): number;
  close(): Promise<void>;
}

interface Client {
  ws: WebSocket;
  staff?: StaffPrincipal;
  /** The token it signed in with, checked again on every heartbeat and staff change. */
  token?: string;
  alive: boolean;
}

/**
 * Live updates for agent consoles on `/agent/ws` of an existing HTTP server: ownership changes,
 * agent messages and notes (coordination channel `agents`, so every instance's events arrive), and
 * customer messages of queued threads and of threads the agent holds (admins see all). The token
 * comes as `?token=` or in the first frame `{"type":"auth","token":"…"}`; agents and admins only.
 * The token is checked again on every heartbeat and whenever its account changes (STAFF_CHANGED,
 * from any instance): a socket whose session ended or expired, whose account was disabled or lost
 * the agent role, or whose API token was replaced is closed (4401/4403), so it hears nothing more.
 */
export async function attachAgentSocket(server: Server, deps: AgentSocketDeps): Promise<AgentSocket> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  const clients = new Set<Client>();
  const broadcast = (raw: string) => {
    let event: AgentEvent;
    try {
      event = JSON.parse(raw) as AgentEvent;
    } catch {
      return;
    }
    const frame = JSON.stringify({ type: 'event', event });
    for (const c of clients) if (c.staff && maySee(c.staff, event)) c.ws.send(frame);
  };
  const recheck = async (client: Client) => {
    if (!client.token || client.ws.readyState !== client.ws.OPEN) return;
    let staff: StaffPrincipal | undefined;
    try {
      staff = await deps.staff.authenticate(client.token);
    } catch {
      return; // the database is down: /readyz says so; the socket is checked again next time
    }
    if (!staff || (staff.role !== 'agent' && staff.role !== 'admin')) {
      // Hears nothing more from here on, even before the close handshake is done.
      client.staff = undefined;
      return staff
        ? client.ws.close(4403, `this needs the agent role; you are ${staff.role}`)
        : client.ws.close(4401, 'signed out: the session ended or the account changed');
    }
    client.staff = staff;
  };
  const staffChanged = (staffId: string) => {
    for (const c of clients) if (c.staff?.id === staffId) void recheck(c);
  };
  const subscriptions: Unsubscribe[] = [
    await deps.coordination.subscribe(AGENT_EVENTS, broadcast),
    await deps.coordination.subscribe(AGENT_INBOUND, broadcast),
    await deps.coordination.subscribe(STAFF_CHANGED, staffChanged),
  ];

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== AGENT_SOCKET_PATH) {
      // Another endpoint's path: leave it to its own handler (or refuse when there is none).
      if (server.listenerCount('upgrade') === 1) refuse(socket, 404, 'Not Found');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => void accept(ws, url.searchParams.get('token')));
  };

  const accept = async (ws: WebSocket, queryToken: string | null) => {
    const client: Client = { ws, alive: true };
    clients.add(client);
    ws.on('pong', () => (client.alive = true));
    ws.on('close', () => clients.delete(client));
    ws.on('error', () => ws.terminate());
    const timer = setTimeout(() => !client.staff && ws.close(4401, 'authentication timed out'), AUTH_TIMEOUT_MS);
    timer.unref?.();
    const signIn = async (token: string) => {
      const staff = await deps.staff.authenticate(token).catch(() => undefined);
      if (!staff) return ws.close(4401, 'token is not valid');
      if (staff.role !== 'agent' && staff.role !== 'admin') return ws.close(4403, `this needs the agent role; you are ${staff.role}`);
      client.staff = staff;
      client.token = token;
      clearTimeout(timer);
      ws.send(JSON.stringify({ type: 'ready', staff }));
    };
    ws.on('message', (data) => {
      if (client.staff) return; // consoles act through the HTTP API; frames after sign-in are ignored
      const token = readAuthFrame(String(data));
      if (!token) return ws.close(4400, 'first frame must be {"type":"auth","token":"…"}');
      void signIn(token);
    });
    if (queryToken) await signIn(queryToken);
  };

  const heartbeat = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) c.ws.terminate();
      else {
        c.alive = false;
        c.ws.ping();
        void recheck(c);
      }
    }
  }, deps.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref?.();
  server.on('upgrade', onUpgrade);

  return {
    clients: () => [...clients].filter((c) => c.staff).length,
    close: async () => {
      server.off('upgrade', onUpgrade);
      clearInterval(heartbeat);
      await Promise.all(subscriptions.map((u) => u().catch(() => {})));
      for (const c of clients) c.ws.close(1001, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

// Ownership events concern every agent (the queue changes); a customer's words only the holder,
// the queue's watchers and admins.
function maySee(staff: StaffPrincipal, event: AgentEvent): boolean {
  if (staff.role === 'admin' || event.type !== 'conversation.customer_message') return true;
  return event.owner === 'queue' || event.agentId === staff.id;
}

function readAuthFrame(text: string): string | undefined {
  try {
    const frame = JSON.parse(text) as { type?: unknown; token?: unknown };
    return frame.type === 'auth' && typeof frame.token === 'string' ? frame.token : undefined;
  } catch {
    return undefined;
  }
}

function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
