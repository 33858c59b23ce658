import { z } from 'zod';
import { STAFF_ROLES, type StaffRole } from '../../crm/staff/staff.types.js';
import type { ApiRegistry, RouteDoc } from './registry.js';

const roleEnum = z.enum(STAFF_ROLES as [StaffRole, ...StaffRole[]]);
const id = z.object({ id: z.string() });

/**
 * Routes served by routers outside the admin API package (staff.routes.ts, and the conversations
 * and campaigns routers of other teams), described here so the OpenAPI document is complete.
 * Their validation lives in those routers; these shapes follow DESIGN §4.
 */
export const STAFF_ROUTE_DOCS: RouteDoc[] = [
  {
    method: 'post', path: '/auth/login', tag: 'staff', access: 'public', summary: 'Sign in with e-mail and password',
    description: 'Attempts are limited per account (`SIGN_IN_RATE_LIMIT`, 10 per 15 minutes by default) and per address (three times that); past the limit the answer is 429 `rate_limited` with `Retry-After`, whatever the password. A wrong password answers 401 and is audited as `auth.login_failed`.',
    body: z.object({ email: z.email().max(200), password: z.string().min(1).max(200) }),
    response: { description: '`{token, expiresAt, user}` — a session token', schema: z.object({ token: z.string(), expiresAt: z.string(), user: z.object({ id: z.string(), name: z.string(), role: roleEnum }) }) },
  },
  { method: 'post', path: '/auth/logout', tag: 'staff', access: 'signed-in', summary: 'End the current session', response: { status: 204, description: 'Signed out' } },
  { method: 'get', path: '/me', tag: 'staff', access: 'signed-in', summary: 'The signed-in staff member', response: { description: '`{id, name, role}`' } },
  { method: 'get', path: '/users', tag: 'staff', access: ['admin'], summary: 'List staff accounts', response: { description: '`{items}`' } },
  {
    method: 'post', path: '/users', tag: 'staff', access: ['admin'], summary: 'Create a staff account (API token shown once)',
    body: z.object({ name: z.string().min(1).max(100), role: roleEnum, email: z.email().max(200).optional(), password: z.string().min(10).max(200).optional() }),
    response: { status: 201, description: '`{id, token}`', schema: z.object({ id: z.string(), token: z.string() }) },
  },
  {
    method: 'patch', path: '/users/:id', tag: 'staff', access: ['admin'], params: id, summary: 'Change, disable or re-enable a staff account',
    description: 'Any of `name`, `email`, `role`, `password`, `disabled`. Disabling stops the account\'s API token, sessions and live console at once; a new password ends its sessions. Nobody can disable themselves or drop their own admin role (409). The bootstrap admin is enabled again with `ADMIN_TOKEN` at every start.',
    body: z.object({ name: z.string().min(1).max(100), email: z.email().max(200).nullable(), role: roleEnum, password: z.string().min(10).max(200), disabled: z.boolean() }).partial(),
    response: { description: 'The account: `{id, name, email, role, created_at, disabled_at}`' },
  },
  {
    method: 'post', path: '/users/:id/token', tag: 'staff', access: ['admin'], params: id, summary: 'Replace a staff account\'s API token (shown once)',
    description: 'The old token stops working at once, live consoles signed in with it included.',
    response: { description: '`{id, token}`', schema: z.object({ id: z.string(), token: z.string() }) },
  },
];

const campaignAction = (action: string): RouteDoc => ({
  method: 'post', path: `/campaigns/:id/${action}`, tag: 'campaigns', access: ['marketer'], params: id, summary: `${action[0].toUpperCase()}${action.slice(1)} a campaign`,
  ...(action === 'approve' ? { access: ['admin'] as const, description: 'Approval must come from an admin other than the author.' } : {}),
  response: { description: 'The campaign' },
});

/** Campaigns and conversations (DESIGN §4), served by the routers passed to `adminApiRouter` as extras. */
export const EXTERNAL_ROUTE_DOCS: RouteDoc[] = [
  { method: 'get', path: '/campaigns', tag: 'campaigns', access: ['marketer'], summary: 'List campaigns', response: { description: 'A page of campaigns' } },
  {
    method: 'post', path: '/campaigns', tag: 'campaigns', access: ['marketer'], summary: 'Create a campaign',
    description: 'Body: `{name, segmentId, channels, messages: {"en": {text, buttons?}, …}, schedule: {at} | {cron, timezone}}`.',
    response: { status: 201, description: 'The draft campaign' },
  },
  { method: 'get', path: '/campaigns/:id', tag: 'campaigns', access: ['marketer'], params: id, summary: 'One campaign', response: { description: 'The campaign' } },
  ...['approve', 'schedule', 'pause', 'resume', 'cancel'].map(campaignAction),
  { method: 'get', path: '/campaigns/:id/results', tag: 'campaigns', access: ['marketer'], params: id, summary: 'Delivery and conversion results', response: { description: 'Results per locale' } },
  {
    method: 'get', path: '/conversations', tag: 'conversations', access: ['agent'], summary: 'List conversations',
    query: z.object({ owner: z.enum(['bot', 'queue', 'agent']).optional() }), response: { description: 'A page of conversations' },
  },
  { method: 'get', path: '/conversations/:id', tag: 'conversations', access: ['agent'], params: id, summary: 'One conversation card', response: { description: 'The conversation' } },
  { method: 'get', path: '/conversations/:id/messages', tag: 'conversations', access: ['agent'], params: id, summary: 'The transcript', response: { description: 'Messages, oldest first' } },
  { method: 'post', path: '/conversations/:id/claim', tag: 'conversations', access: ['agent'], params: id, summary: 'Claim the thread (409 when another agent won)', response: { description: 'The conversation' } },
  { method: 'post', path: '/conversations/:id/handback', tag: 'conversations', access: ['agent'], params: id, summary: 'Hand the thread back to the bot', response: { description: 'The conversation' } },
  {
    method: 'post', path: '/conversations/:id/messages', tag: 'conversations', access: ['agent'], params: id, summary: 'Send an agent message',
    body: z.object({ text: z.string().min(1), clientMessageId: z.string().max(100).optional() }), response: { description: 'The queued message' },
  },
];

/** Adds the staff routes and the other teams' routes to `registry`. */
export function describeOtherRoutes(registry: ApiRegistry, options: { external?: boolean } = {}): void {
  for (const doc of STAFF_ROUTE_DOCS) registry.describe(doc);
  if (options.external !== false) for (const doc of EXTERNAL_ROUTE_DOCS) registry.describe(doc);
}
