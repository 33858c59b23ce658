import { describe, expect, it } from 'vitest';
import { postJson, useTestApp } from '../../helpers/app.js';

const ADMIN = 'admin-token-for-tests-0123456789';

const app = useTestApp({ ADMIN_TOKEN: ADMIN }, { classifier: { classify: () => ({ intent: 'oos', confidence: 0 }) } });

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

describe('staff accounts and roles', () => {
  it('lets the bootstrap admin create users and gives each a working token', async () => {
    const created = await postJson(`${app.url}/api/users`, { name: 'Mia', role: 'agent' }, auth(ADMIN));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.any(String), token: expect.any(String) });
    const me = await fetch(`${app.url}/api/me`, { headers: auth(created.body.token) });
    expect(await me.json()).toMatchObject({ name: 'Mia', role: 'agent' });
  });

  it('refuses requests without a token (401), with a bad one (401) and without the role (403)', async () => {
    expect((await postJson(`${app.url}/api/users`, { name: 'x', role: 'agent' })).status).toBe(401);
    expect((await postJson(`${app.url}/api/users`, { name: 'x', role: 'agent' }, auth('nope'))).status).toBe(401);
    const agent = await postJson(`${app.url}/api/users`, { name: 'Ola', role: 'agent' }, auth(ADMIN));
    const denied = await postJson(`${app.url}/api/users`, { name: 'x', role: 'admin' }, auth(agent.body.token));
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/admin role/);
  });

  it('validates the new user with a message naming the field', async () => {
    const bad = await postJson(`${app.url}/api/users`, { name: 'x', role: 'boss' }, auth(ADMIN));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^role/);
  });

  it('signs in with a password to a session that works and ends at logout', async () => {
    await postJson(`${app.url}/api/users`, { name: 'Lu', role: 'marketer', email: 'lu@example.com', password: 'correct horse battery' }, auth(ADMIN));
    expect((await postJson(`${app.url}/api/auth/login`, { email: 'lu@example.com', password: 'wrong password!' })).status).toBe(401);
    const login = await postJson(`${app.url}/api/auth/login`, { email: 'LU@example.com', password: 'correct horse battery' });
    expect(login.status).toBe(200);
    expect((await fetch(`${app.url}/api/me`, { headers: auth(login.body.token) })).status).toBe(200);
    await fetch(`${app.url}/api/auth/logout`, { method: 'POST', headers: auth(login.body.token) });
    expect((await fetch(`${app.url}/api/me`, { headers: auth(login.body.token) })).status).toBe(401);
  });

  it('records staff actions in the audit log', async () => {
    const trail = await app.staff.auditTrail();
    expect(trail.map((t) => t.action)).toContain('staff.create');
  });
});
