/*
 * The agent console: sign-in, the live lists, and the open conversation. State lives here;
 * rendering is in lists.js / thread.js, the API in api.js, live events in live.js.
 */
import { agentApi, ApiError, onUnauthorized, token } from './api.js';
import { $, fill, h, say } from './dom.js';
import { applyStatic, locale, onLocale, setLocale, t, tv } from './i18n.js';
import { LiveSocket } from './live.js';
import { renderLists } from './lists.js';
import { createActions } from './actions.js';
import { createEventHandler } from './events.js';
import { renderCard, renderHeader, renderNotes, renderTranscript } from './thread.js';

const els = {
  conn: $('conn'), user: $('user'), lang: $('lang'), signout: $('signout'), signin: $('signin'), app: $('app'), signinMsg: $('signin-msg'),
  queue: $('queue'), queueCount: $('queue-count'), mine: $('mine'), mineCount: $('mine-count'), bot: $('bot'), botCount: $('bot-count'),
  thread: $('thread'), pick: $('pick'), body: $('thread-body'), side: $('side'), title: $('thread-title'), meta: $('thread-meta'), actions: $('actions'),
  alert: $('thread-alert'), status: $('thread-status'), log: $('log'), reply: $('reply'), replyText: $('reply-text'), replySend: $('reply-send'),
  replyHint: $('reply-hint'), canned: $('canned'), cannedLocale: $('canned-locale'), customer: $('customer'), notes: $('notes'), noteForm: $('note-form'), noteText: $('note-text'),
};
const state = { me: null, queue: [], mine: [], bot: [], selectedId: null, conv: null, messages: [], notes: [], canned: [], unread: new Set(), ticketsReadOnly: false, conn: 'connecting', seq: 0 };
const actions = createActions({ state, els, loadThread: () => loadThread(), refreshLists, drawThread: () => drawThread() });
const { showError, errorText } = actions;
const onEvent = createEventHandler({ state, els, drawLists: () => drawLists(), scheduleRefresh: () => scheduleRefresh(), loadThread: () => loadThread() });
const live = new LiveSocket({ token: () => token.get(), onEvent, onState, onDenied: () => signOut(t('sessionEnded')) });

// ---- sign-in ----
function view(name) {
  document.body.dataset.view = name;
  els.signin.hidden = name !== 'signin';
  els.app.hidden = name !== 'app';
  for (const n of document.querySelectorAll('.top .when-app')) n.hidden = name !== 'app';
}

async function enter(bearer) {
  const me = await agentApi.me(bearer);
  if (me.role !== 'agent' && me.role !== 'admin') throw new Error(t('notAgent', { role: tv('role', me.role) }));
  token.set(bearer);
  state.me = me;
  view('app');
  renderUser();
  live.start();
  await refreshLists();
  const fromHash = /^#\/c\/([0-9a-f-]{36})$/i.exec(location.hash);
  if (fromHash) await select(fromHash[1]);
}

async function signIn(run, form) {
  const submit = form.querySelector('button[type=submit]');
  submit.disabled = true;
  say(els.signinMsg, t('signingIn'), 'info', 0);
  try {
    await enter(await run());
    form.reset();
    say(els.signinMsg, '');
  } catch (err) {
    token.set(null);
    const msg = !(err instanceof ApiError) ? err.message
      : err.status === 429 ? t('tooManySignIns', { seconds: err.retryAfter ?? 60 })
        : t('signInFailed', { msg: err.status === 0 ? t('network') : err.message });
    say(els.signinMsg, msg, 'error', 0);
  } finally {
    submit.disabled = false;
  }
}

function signOut(message) {
  if (token.get() && !message) agentApi.logout().catch(() => {});
  live.stop();
  token.set(null);
  Object.assign(state, { me: null, queue: [], mine: [], bot: [], selectedId: null, conv: null, unread: new Set() });
  history.replaceState(null, '', location.pathname);
  showThread(false);
  view('signin');
  say(els.signinMsg, message || '', 'error', 0);
  $('login-email').focus();
}

// ---- lists ----
let refreshTimer = null;
/** Reloads queue, my conversations and bot threads (coalescing bursts of events into one reload). */
function scheduleRefresh(ms = 150) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => refreshLists().catch(() => {}), ms);
}

async function refreshLists() {
  if (!state.me) return;
  const [queue, agent, bot] = await Promise.all([agentApi.queue(), agentApi.list('agent'), agentApi.list('bot', 25)]);
  state.queue = queue.items;
  state.mine = agent.items.filter((c) => c.agentId === state.me.id);
  state.bot = bot.items;
  drawLists();
}

const drawLists = () => renderLists(state, els, (id) => select(id).catch(showError));

// ---- the open conversation ----
function showThread(open) {
  els.pick.hidden = open;
  els.body.hidden = !open;
  els.side.hidden = !open;
  if (open) document.body.dataset.selected = '';
  else delete document.body.dataset.selected;
}

async function select(id) {
  const seq = ++state.seq;
  state.selectedId = id;
  state.unread.delete(id);
  if (location.hash !== `#/c/${id}`) history.replaceState(null, '', `#/c/${id}`);
  drawLists();
  say(els.alert, '');
  say(els.status, '');
  showThread(true);
  fill(els.log, h('p', { class: 'hint', text: t('loading') }));
  els.replyText.value = '';
  try {
    await loadThread(seq, true);
  } catch (err) {
    if (seq !== state.seq) return;
    if (err instanceof ApiError && err.status === 404) {
      say(els.alert, t('notFound'), 'error');
      showThread(false);
      state.selectedId = null;
      return;
    }
    throw err;
  }
  if (window.matchMedia('(max-width: 760px)').matches) els.thread.focus();
}

/** (Re)loads the open conversation; `fresh` also picks the canned-response language. */
async function loadThread(seq = state.seq, fresh = false) {
  const id = state.selectedId;
  const [conv, transcript] = await Promise.all([agentApi.conversation(id), agentApi.messages(id)]);
  if (seq !== state.seq) return;
  state.conv = conv;
  state.messages = transcript.messages;
  state.notes = conv.notes || [];
  if (fresh) els.cannedLocale.value = String(conv.locale || conv.customer?.locale || locale()).startsWith('zh') ? 'zh-CN' : 'en';
  drawThread();
  loadCanned().catch(() => {});
}

function drawThread() {
  const conv = state.conv;
  if (!conv) return;
  renderHeader(els, conv, state.me);
  renderTranscript(els.log, state.messages, conv.id);
  renderCard(els.customer, conv.customer, { onTicket: actions.onTicket, ticketsReadOnly: state.ticketsReadOnly });
  renderNotes(els.notes, state.notes);
}

async function loadCanned() {
  const conv = state.conv;
  if (!conv || els.replyText.disabled) return fill(els.canned, h('option', { value: '', text: t('cannedPick') }));
  const res = await agentApi.canned(els.cannedLocale.value, conv.id);
  if (state.conv !== conv) return;
  state.canned = res.items;
  fill(els.canned, h('option', { value: '', text: t('cannedPick') }), res.items.map((c) => h('option', { value: c.id, text: c.title })));
}

function useCanned() {
  const item = state.canned.find((c) => c.id === els.canned.value);
  els.canned.value = '';
  if (!item) return;
  const current = els.replyText.value.trim();
  els.replyText.value = current ? `${current} ${item.text}` : item.text;
  els.replyText.focus();
}

// ---- live events ----
function onState(s, again) {
  state.conn = s;
  renderConn();
  if (again) {
    scheduleRefresh(0);
    if (state.selectedId) loadThread().catch(() => {});
  }
}

// ---- chrome ----
function renderConn() {
  els.conn.dataset.state = state.conn;
  els.conn.textContent = t({ live: 'live', connecting: 'connecting', offline: 'reconnecting' }[state.conn]);
}

function renderUser() {
  if (state.me) els.user.textContent = t('signedInAs', { name: state.me.name, role: tv('role', state.me.role) });
}

function renderLang() {
  els.lang.textContent = t('other');
  els.lang.setAttribute('lang', locale() === 'en' ? 'zh-CN' : 'en');
  els.lang.setAttribute('aria-label', t('otherLabel'));
}

onLocale(() => {
  renderLang();
  renderConn();
  renderUser();
  if (state.me) drawLists();
  if (state.conv) drawThread();
  if (state.conv) loadCanned().catch(() => {});
});

function wire() {
  els.lang.addEventListener('click', () => setLocale(locale() === 'en' ? 'zh-CN' : 'en'));
  els.signout.addEventListener('click', () => signOut());
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn(async () => (await agentApi.login($('login-email').value.trim(), $('login-password').value)).token, e.target);
  });
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn(async () => $('token-input').value.trim(), e.target);
  });
  $('refresh').addEventListener('click', () => {
    refreshLists().catch(showError);
    if (state.selectedId) loadThread().catch(showError);
  });
  $('back').addEventListener('click', () => {
    state.selectedId = null;
    state.conv = null;
    history.replaceState(null, '', location.pathname);
    showThread(false);
    drawLists();
    els.queue.querySelector('button')?.focus();
  });
  els.actions.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-action]');
    if (b) actions.act(b.dataset.action, b);
  });
  els.reply.addEventListener('submit', (e) => {
    e.preventDefault();
    actions.sendReply();
  });
  // Enter sends; Shift+Enter is a new line; never while an input method is composing (Chinese).
  els.replyText.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      actions.sendReply();
    }
  });
  els.canned.addEventListener('change', useCanned);
  els.cannedLocale.addEventListener('change', () => loadCanned().catch(showError));
  els.noteForm.addEventListener('submit', (e) => {
    e.preventDefault();
    actions.addNote();
  });
  onUnauthorized(() => signOut(t('sessionEnded')));
  // Waiting times grow and bot threads are not pushed live: a slow poll keeps the lists honest.
  setInterval(() => state.me && document.visibilityState === 'visible' && scheduleRefresh(0), 30_000);
}

async function boot() {
  applyStatic(document);
  renderLang();
  renderConn();
  wire();
  const saved = token.get();
  if (!saved) return view('signin');
  try {
    await enter(saved);
  } catch (err) {
    token.set(null);
    view('signin');
    if (!(err instanceof ApiError && err.status === 401)) say(els.signinMsg, errorText(err), 'error', 0);
  }
}

boot();
