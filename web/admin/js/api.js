/*
 * The admin API client: bearer token from sessionStorage, JSON in and out, and errors turned into
 * ApiError with the HTTP status so pages can tell "not there yet" (404) from "not allowed" (403).
 */
const KEY = 'patron.admin.token';

export class ApiError extends Error {
  constructor(status, message, path, retryAfter) {
    super(message);
    this.status = status;
    this.path = path;
    /** Seconds from `Retry-After` (429), when the server sent it. */
    this.retryAfter = retryAfter;
  }
}

export const session = {
  get() { try { return sessionStorage.getItem(KEY); } catch { return null; } },
  set(token) { try { token ? sessionStorage.setItem(KEY, token) : sessionStorage.removeItem(KEY); } catch { /* storage blocked */ } },
};

let onUnauthorized = () => {};
/** Called when any request answers 401 (the session ended). */
export const whenUnauthorized = (fn) => { onUnauthorized = fn; };

/** Calls the API; resolves to the parsed JSON body (null for 204), rejects with ApiError. */
export async function api(path, { method = 'GET', body, token = session.get(), quiet401 = false, headers: extra } = {}) {
  const headers = { accept: 'application/json', ...extra };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', path);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!res.ok) {
    if (res.status === 401 && !quiet401) onUnauthorized();
    throw new ApiError(res.status, messageOf(data) || res.statusText || `HTTP ${res.status}`, path, Number(res.headers.get('retry-after')) || undefined);
  }
  return data;
}

function messageOf(data) {
  if (!data || typeof data !== 'object') return typeof data === 'string' ? data.slice(0, 300) : '';
  const e = data.error ?? data;
  if (typeof e === 'string') return e;
  return [e.message, e.field || e.path].filter(Boolean).join(' — ') || e.code || '';
}

/** Query string from an object, skipping empty values. */
export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
