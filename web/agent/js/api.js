/*
 * The agent API client: bearer token from sessionStorage, JSON in and out; failures become
 * ApiError carrying the HTTP status and the server's error code (409 = someone else was first).
 */
const KEY = 'patron.agent.token';

export class ApiError extends Error {
  constructor(status, code, message, details, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    /** Seconds from `Retry-After` (429), when the server sent it. */
    this.retryAfter = retryAfter;
  }
}

export const token = {
  get() { try { return sessionStorage.getItem(KEY); } catch { return null; } },
  set(value) { try { value ? sessionStorage.setItem(KEY, value) : sessionStorage.removeItem(KEY); } catch { /* storage blocked */ } },
};

let unauthorized = () => {};
/** Runs `fn` when a request answers 401 (token revoked or expired). */
export const onUnauthorized = (fn) => { unauthorized = fn; };

/** Calls the API; resolves to the parsed body (null for 204), rejects with ApiError (status 0 = network). */
export async function api(path, { method = 'GET', body, bearer = token.get() } = {}) {
  const headers = { accept: 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, 'network', String(err && err.message || err));
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const e = (data && data.error) || {};
    if (res.status === 401 && bearer) unauthorized();
    throw new ApiError(res.status, e.code || `http_${res.status}`, e.message || res.statusText || `HTTP ${res.status}`, e.details, Number(res.headers.get('retry-after')) || undefined);
  }
  return data;
}

const enc = encodeURIComponent;
/** The endpoints the console uses. */
export const agentApi = {
  login: (email, password) => api('/api/auth/login', { method: 'POST', body: { email, password }, bearer: null }),
  me: (bearer) => api('/api/me', bearer ? { bearer } : {}),
  logout: () => api('/api/auth/logout', { method: 'POST' }),
  queue: () => api('/api/queue?limit=100'),
  list: (owner, limit = 100) => api(`/api/conversations?owner=${enc(owner)}&limit=${limit}`),
  conversation: (id) => api(`/api/conversations/${enc(id)}`),
  messages: (id) => api(`/api/conversations/${enc(id)}/messages?limit=300`),
  act: (id, action) => api(`/api/conversations/${enc(id)}/${action}`, { method: 'POST' }),
  send: (id, text, clientMessageId) => api(`/api/conversations/${enc(id)}/messages`, { method: 'POST', body: { text, clientMessageId } }),
  note: (id, text) => api(`/api/conversations/${enc(id)}/notes`, { method: 'POST', body: { text } }),
  canned: (locale, id) => api(`/api/canned-responses?locale=${enc(locale)}&conversationId=${enc(id)}`),
  ticket: (number, patch) => api(`/api/tickets/${enc(number)}`, { method: 'PATCH', body: patch }),
};
