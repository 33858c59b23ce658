/**
 * Admins manage staff accounts: change, disable and re-enable them, replace their API token.
 * Access ends at once everywhere: API token, password sessions, and live console sockets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { attachAgentSocket, type AgentSocket } from '../../../src/http/agent-socket.js';
import { postJson, useTestApp } from '../../helpers/app.js';

const ADMIN = 'admin-token-for-staff-accounts-0123';
const app = useTestApp({ ADMIN_TOKEN: ADMIN, DEMO_DATA: 'false' }, {}, 'patron-staff-accounts-');
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(app.url + path, { method, headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}
const patch = (id: string, body: unknown, token = ADMIN) => call('PATCH', `/api/users/${id}`, token, body);
const me = async (token: string) => (await call('GET', '/api/me', token)).status;
const login = (email: string, password: string) => postJson(`${app.url}/api/auth/login`, { email, password });

let n = 0;
async function agent(password = 'agent password 123') {
  const email = `agent-${++n}@shop.test`;
  const created = await call('POST', '/api/users', ADMIN, { name: `Agent ${n}`, role: 'agent', email, password });
  expect(created.status).toBe(201);
  const session = await login(email, password);
  expect(session.status).toBe(200);
  return { id: created.body.id as string, token: created.body.token as string, email, password, session: session.body.token as string };
}

/** A signed-in agent console socket on `url`; resolves its close code. */
async function liveSocket(url: string, token: string): Promise<{ closed: Promise<number>; ws: WebSocket }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/agent/ws?token=${encodeURIComponent(token)}`);
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (d) => JSON.parse(String(d)).type === 'ready' && resolve());
    ws.on('error', reject);
  });
  return { closed, ws };
}
const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

describe('staff account management', () => {
  it('disables an account: API token, sessions, sign-in and the live console stop at once; re-enabling brings back the token only', async () => {
    const a = await agent();
    const live = await liveSocket(app.url!, a.session);
    expect([await me(a.token), await me(a.session)]).toEqual([200, 200]);
    const off = await patch(a.id, { disabled: true });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: a.id, disabled_at: expect.any(String) });
    expect(off.body.token_hash).toBeUndefined();
    expect(await within(live.closed, 3000)).toBe(4401);
    expect([await me(a.token), await me(a.session)]).toEqual([401, 401]);
    expect((await login(a.email, a.password)).status).toBe(401);

    expect((await patch(a.id, { disabled: false })).body.disabled_at).toBeNull();
    expect([await me(a.token), await me(a.session)]).toEqual([200, 401]);
    expect((await login(a.email, a.password)).status).toBe(200);
  });

  it('replaces an API token: the old one and consoles signed in with it stop, the new one works', async () => {
    const a = await agent();
    const live = await liveSocket(app.url!, a.token);
    const rotated = await call('POST', `/api/users/${a.id}/token`, ADMIN);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ id: a.id, token: expect.any(String) });
    expect(await within(live.closed, 3000)).toBe(4401);
    expect([await me(a.token), await me(rotated.body.token), await me(a.session)]).toEqual([401, 200, 200]);
  });

  it('sets a new password (ending the sessions of the old one) and changes the role, which applies to the next request and the live console', async () => {
    const a = await agent();
    const live = await liveSocket(app.url!, a.token);
    expect((await patch(a.id, { password: 'a brand new password' })).status).toBe(200);
    expect(await me(a.session)).toBe(401);
    expect((await login(a.email, a.password)).status).toBe(401);
    expect((await login(a.email, 'a brand new password')).status).toBe(200);

    expect((await call('GET', '/api/queue', a.token)).status).toBe(200);
    expect((await patch(a.id, { role: 'marketer', name: 'Now Marketing' })).body).toMatchObject({ role: 'marketer', name: 'Now Marketing' });
    expect((await call('GET', '/api/queue', a.token)).status).toBe(403);
    expect(await within(live.closed, 3000)).toBe(4403);
  });

  it('keeps the session of someone who sets their own password, and ends their others', async () => {
    const email = 'own-admin@shop.test';
    const created = await call('POST', '/api/users', ADMIN, { name: 'Own Admin', role: 'admin', email, password: 'first admin password' });
    const one = (await login(email, 'first admin password')).body.token as string;
    const two = (await login(email, 'first admin password')).body.token as string;
    expect((await patch(created.body.id, { password: 'second admin password' }, one)).status).toBe(200);
    expect([await me(one), await me(two), await me(created.body.token)]).toEqual([200, 401, 200]);
  });

  it('lets nobody disable themselves or drop their own admin role, and names what is wrong with a bad change', async () => {
    const adminId = (await call('GET', '/api/me', ADMIN)).body.id as string;
    const self = await patch(adminId, { disabled: true });
    expect(self.status).toBe(409);
    expect(self.body.error.message).toMatch(/cannot disable your own account/);
    expect((await patch(adminId, { role: 'agent' })).status).toBe(409);
    expect((await patch(adminId, { name: 'Admin' })).status).toBe(200);

    const a = await agent();
    expect((await patch(a.id, {})).body.error.message).toMatch(/name one of/);
    expect((await patch(a.id, { role: 'boss' })).body.error.message).toMatch(/^role/);
    expect((await patch(a.id, { password: 'short' })).body.error.message).toMatch(/^password: must be at least 10/);
    expect((await patch(a.id, { superuser: true })).status).toBe(400);
    expect((await patch('not-an-id', { name: 'x' })).status).toBe(400);
    expect((await patch('00000000-0000-4000-8000-000000000000', { name: 'x' })).status).toBe(404);
    const other = await agent();
    const taken = await patch(a.id, { email: other.email });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toMatch(/already exists/);
    expect((await patch(a.id, { disabled: true }, other.token)).status).toBe(403);
    expect((await call('POST', `/api/users/${a.id}/token`, other.token)).status).toBe(403);
  });

  it('audits every change with its fields, never a password or token; a change whose audit row cannot be written is not made', async () => {
    const a = await agent();
    const adminId = (await call('GET', '/api/me', ADMIN)).body.id as string;
    await expect(app.staff.update(a.id, { disabled: true }, { id: adminId }, async () => { throw new Error('audit log down'); })).rejects.toThrow(/audit log down/);
    await expect(app.staff.rotateToken(a.id, async () => { throw new Error('audit log down'); })).rejects.toThrow(/audit log down/);
    expect([await me(a.token), await me(a.session)]).toEqual([200, 200]);
    const trail = await app.staff.auditTrail({ limit: 500 });
    const updates = trail.filter((t) => t.action === 'staff.update');
    expect(updates.length).toBeGreaterThanOrEqual(5);
    expect(updates.map((u) => (u.detail as { fields: string[] }).fields)).toContainEqual(['password']);
    expect(trail.filter((t) => t.action === 'staff.token_rotate')).toHaveLength(1);
    expect(JSON.stringify(trail)).not.toMatch(/brand new password|agent password 123/);
  });
});

describe('live console sockets check their token again on every heartbeat', () => {
  let server: Server;
  let socket: AgentSocket;
  afterAll(async () => {
    await socket?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('closes a socket whose session expired, without any event', async () => {
    server = createServer();
    socket = await attachAgentSocket(server, { staff: app.staff, coordination: app.coordination, heartbeatMs: 100 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const a = await agent();
    const live = await liveSocket(url, a.session);
    await new Promise((r) => setTimeout(r, 300));
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
    await app.store.db.updateTable('staff_sessions').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', a.id).execute();
    expect(await within(live.closed, 3000)).toBe(4401);
  });
});
