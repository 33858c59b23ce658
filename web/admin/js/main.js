/*
 * The admin shell: sign-in (token or e-mail + password), the language switch, the section nav and
 * hash routing (#/overview, #/unrecognised …). Each page module exports render(main) and maybe leave().
 */
import { api, session, whenUnauthorized } from './api.js';
import { h, fill, field, notice } from './dom.js';
import { t, locale, setLocale, onLocale } from './i18n.js';
import * as overview from './overview.js';
import * as unrecognised from './unrecognised.js';
import * as catalog from './catalog.js';
import * as faq from './faq.js';
import { loyalty, segments, campaigns } from './manage.js';
import * as staff from './staff.js';

// [route, label key, module, roles besides admin that may use it] — the API enforces roles; the nav only hides dead ends.
const ALL_PAGES = [
  ['overview', 'navOverview', overview, []], ['unrecognised', 'navUnrecognised', unrecognised, []], ['catalog', 'navCatalog', catalog, []],
  ['faq', 'navFaq', faq, []], ['loyalty', 'navLoyalty', loyalty, []], ['segments', 'navSegments', segments, ['marketer']],
  ['campaigns', 'navCampaigns', campaigns, ['marketer']], ['staff', 'navStaff', staff, []],
];
const pages = () => ALL_PAGES.filter(([, , , roles]) => !me || me.role === 'admin' || roles.includes(me.role));

const $ = (id) => document.getElementById(id);
const main = $('main');
const nav = $('nav');
const userLine = $('user');
const langBtn = $('lang');
const signOutBtn = $('signout');
let me = null;
let current = null;

function labelShell() {
  document.title = t('appTitle');
  $('app-title').textContent = t('appTitle');
  $('skip').textContent = t('skip');
  langBtn.textContent = t('language');
  langBtn.setAttribute('aria-label', t('languageLabel'));
  langBtn.setAttribute('lang', locale() === 'en' ? 'zh-CN' : 'en');
  signOutBtn.textContent = t('signOut');
  nav.setAttribute('aria-label', t('navMain'));
  userLine.textContent = me ? t('signedInAs', { name: me.name ?? me.id ?? '', role: me.role ?? '' }) : '';
  const route = routeName();
  fill(nav, h('ul', {}, pages().map(([id, key]) => h('li', {}, h('a', { href: `#/${id}`, text: t(key), 'aria-current': id === route ? 'page' : null })))));
}

const routeName = () => {
  const name = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  const allowed = pages();
  return allowed.some(([id]) => id === name) ? name : allowed[0]?.[0] ?? null;
};

async function show(focus) {
  if (!me) return signIn();
  current?.leave?.();
  const route = routeName();
  document.body.dataset.view = 'app';
  labelShell();
  if (!route) {
    current = null;
    return void fill(main, h('h1', { tabindex: '-1', text: t('appTitle') }), notice(t('forbidden'), 'warn'));
  }
  const [, , page] = ALL_PAGES.find(([id]) => id === route);
  current = page;
  const done = page.render(main);
  if (focus) main.querySelector('h1')?.focus();
  await done;
}

function signIn(message) {
  current?.leave?.();
  current = null;
  me = null;
  document.body.dataset.view = 'signin';
  labelShell();
  const status = h('div', { 'aria-live': 'polite' }, message ? notice(message, 'error') : null);
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true });
  const login = h('form', { class: 'stack', 'aria-labelledby': 'login-h' }, [
    field(t('email'), email).wrap, field(t('password'), password).wrap, h('button', { type: 'submit', class: 'primary', text: t('signIn') }),
  ]);
  const paste = h('form', { class: 'stack' }, [field(t('token'), token, t('tokenHint')).wrap, h('button', { type: 'submit', class: 'secondary', text: t('useToken') })]);
  const attempt = async (form, getToken, failKey) => {
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => (b.disabled = true));
    fill(status, notice(t('signingIn')));
    try {
      const tok = await getToken();
      me = await api('/api/me', { token: tok, quiet401: true });
      session.set(tok);
      await show(true);
    } catch (err) {
      const text = err.status === 401 || err.status === 400 ? t(failKey)
        : err.status === 429 ? t('tooManySignIns', { seconds: err.retryAfter ?? 60 })
          : t('failed', { message: err.message });
      fill(status, notice(text, 'error'));
      buttons.forEach((b) => (b.disabled = false));
    }
  };
  login.addEventListener('submit', (e) => {
    e.preventDefault();
    attempt(login, async () => (await api('/api/auth/login', { method: 'POST', body: { email: email.value.trim(), password: password.value }, token: null, quiet401: true })).token, 'badLogin');
  });
  paste.addEventListener('submit', (e) => { e.preventDefault(); attempt(paste, async () => token.value.trim(), 'badToken'); });
  fill(main, h('section', { class: 'signin card' }, [
    h('h1', { id: 'login-h', tabindex: '-1', text: t('signInTitle') }), h('p', { class: 'intro', text: t('signInIntro') }),
    status, login, h('p', { class: 'or', text: t('or') }), paste,
  ]));
}

// The skip link must not change the hash (the hash is the route).
$('skip').addEventListener('click', (e) => { e.preventDefault(); main.focus(); });
langBtn.addEventListener('click', () => setLocale(locale() === 'en' ? 'zh-CN' : 'en'));
onLocale(() => (me ? show(false) : signIn()));
signOutBtn.addEventListener('click', async () => {
  await api('/api/auth/logout', { method: 'POST', quiet401: true }).catch(() => {});
  session.set(null);
  signIn();
});
whenUnauthorized(() => { session.set(null); signIn(t('sessionExpired')); });
window.addEventListener('hashchange', () => void show(true));

document.documentElement.lang = locale();
(async () => {
  const saved = session.get();
  if (!saved) return signIn();
  try {
    me = await api('/api/me', { token: saved, quiet401: true });
    show(false);
  } catch (err) {
    if (err.status === 401) session.set(null);
    signIn(err.status === 401 ? t('sessionExpired') : t('failed', { message: err.message }));
  }
})();
