/*
 * Shared page plumbing: a heading, a loading state, and one way of showing API failures
 * (404 = that part of the API is not on this server yet; 403 = role; 0 = network).
 */
import { h, fill, notice } from './dom.js';
import { t } from './i18n.js';

/** The notice for a failed request, as text. */
export function errorText(err) {
  if (!err || typeof err.status !== 'number') return t('failed', { message: String(err?.message ?? err) });
  if (err.status === 404) return t('notAvailable', { path: err.path });
  if (err.status === 403) return t('forbidden');
  if (err.status === 0) return t('network');
  return t('failed', { message: err.message });
}

/** An error notice with a "try again" button. */
export function errorBox(err, retry) {
  const kind = err?.status === 404 ? 'warn' : 'error';
  return h('div', { class: 'error-box' }, [
    notice(errorText(err), kind),
    retry ? h('button', { type: 'button', class: 'secondary', text: t('retry'), onclick: retry }) : null,
  ]);
}

/**
 * Runs `work()` with a loading notice in `target`; on failure shows the error in `target`
 * (with a retry). Resolves to the result, or undefined after a failure.
 */
export async function loading(target, work) {
  fill(target, notice(t('loading')));
  target.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } catch (err) {
    fill(target, errorBox(err, () => loading(target, work)));
    return undefined;
  } finally {
    target.removeAttribute('aria-busy');
  }
}

/** A section heading + optional intro paragraph. */
export const header = (title, intro) => [h('h1', { tabindex: '-1', text: title }), intro ? h('p', { class: 'intro', text: intro }) : null];

/** A status line that can be reused for "Saved." / errors next to a form. */
export function statusLine() {
  const p = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  return {
    node: p,
    ok(text) { p.className = 'notice ok'; p.setAttribute('role', 'status'); p.textContent = text; },
    error(text) { p.className = 'notice error'; p.setAttribute('role', 'alert'); p.textContent = text; },
    clear() { p.className = 'notice'; p.textContent = ''; },
  };
}
