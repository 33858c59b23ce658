/*
 * Patron web chat widget. Embed with one tag:
 *   <script src="/widget.js" data-locale="en" defer></script>
 * Talks to /chat/ws (protocol in src/channels/webchat/webchat-protocol.ts) and falls back to
 * POST /chat/messages when WebSocket never connects. Visitor text is only ever set with textContent.
 */
(() => {
  'use strict';
  const script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const base = new URL(script ? script.src : '/widget.js', location.href);
  const WS_URL = base.origin.replace(/^http/, 'ws') + '/chat/ws';
  const KEY = 'patron.chat.';
  const STRINGS = {
    en: {
      title: 'Patron Outfitters', subtitle: 'We usually reply in seconds', open: 'Chat with us', close: 'Close chat',
      label: 'Message', placeholder: 'Type a message…', send: 'Send', typing: 'Assistant is typing…', log: 'Conversation',
      connecting: 'Connecting…', offline: 'Offline: your messages will be sent when the connection is back',
      failed: 'This message could not be sent: ', other: '中文', otherLabel: '切换到中文', intro: 'Hi! Ask us about products, orders or your points.',
    },
    'zh-CN': {
      title: 'Patron Outfitters', subtitle: '通常几秒内回复', open: '在线咨询', close: '关闭聊天',
      label: '消息', placeholder: '输入消息…', send: '发送', typing: '客服正在输入…', log: '对话记录',
      connecting: '正在连接…', offline: '网络已断开：恢复连接后会自动发送您的消息',
      failed: '此消息未能发送：', other: 'English', otherLabel: 'Switch to English', intro: '您好！欢迎咨询商品、订单或积分。',
    },
  };
  const RETRYABLE = ['rate_limited', 'internal', 'unavailable'];

  const store = {
    get(k) { try { return localStorage.getItem(KEY + k); } catch { return null; } },
    set(k, v) { try { v == null ? localStorage.removeItem(KEY + k) : localStorage.setItem(KEY + k, v); } catch { /* private mode */ } },
  };
  const pickLocale = (tag) => (String(tag || '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en');
  let locale = pickLocale(store.get('locale') || (script && script.dataset.locale) || navigator.language);
  let sessionId = store.get('session');
  /** clientMessageId → {frame, sent, retry}; kept until the server finishes the turn. */
  const pending = new Map((readJson(store.get('pending')) || []).map((p) => [p.frame.clientMessageId, { frame: p.frame, label: p.label, sent: false }]));
  let ws = null, ready = false, everOpened = false, failures = 0, timer = null, restored = false, typingFor = new Set();
  let mode = 'WebSocket' in window ? 'ws' : 'http', posting = false;

  // ---- DOM (inside a shadow root so the shop's CSS cannot break the widget) ----
  const host = document.createElement('div');
  host.id = 'patron-chat';
  host.style.display = 'none';
  const root = host.attachShadow({ mode: 'open' });
  const css = el('link', { rel: 'stylesheet', href: new URL('widget.css', base).href });
  css.onload = css.onerror = () => (host.style.display = '');
  const launcher = el('button', { class: 'launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'patron-panel' });
  const panel = el('section', { class: 'panel', id: 'patron-panel', role: 'dialog', 'aria-labelledby': 'patron-title', hidden: '' });
  const title = el('h2', { id: 'patron-title' });
  const subtitle = el('p', { class: 'subtitle', 'aria-live': 'polite' });
  const langBtn = el('button', { class: 'lang', type: 'button' });
  const closeBtn = el('button', { class: 'close', type: 'button', 'data-icon': '×' });
  const log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0' });
  const typing = el('div', { class: 'typing', hidden: '' });
  const form = el('form', { class: 'composer' });
  const label = el('label', { for: 'patron-input', class: 'sr-only' });
  const input = el('input', { id: 'patron-input', type: 'text', autocomplete: 'off', maxlength: '4000', enterkeyhint: 'send' });
  const sendBtn = el('button', { type: 'submit', class: 'send' });
  const header = el('header', {}, [el('div', { class: 'heading' }, [title, subtitle]), langBtn, closeBtn]);
  form.append(label, input, sendBtn);
  panel.append(header, log, typing, form);
  root.append(css, launcher, panel);
  document.body.appendChild(host);

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (children) node.append(...children);
    return node;
  }
  function readJson(s) { try { return JSON.parse(s); } catch { return null; } }
  const t = (k) => STRINGS[locale][k];

  function applyLocale() {
    panel.setAttribute('lang', locale);
    launcher.setAttribute('aria-label', t('open'));
    launcher.textContent = t('open');
    title.textContent = t('title');
    langBtn.textContent = t('other');
    langBtn.setAttribute('lang', locale === 'en' ? 'zh-CN' : 'en');
    langBtn.setAttribute('aria-label', t('otherLabel'));
    closeBtn.setAttribute('aria-label', t('close'));
    log.setAttribute('aria-label', t('log'));
    typing.textContent = t('typing');
    label.textContent = t('label');
    input.placeholder = t('placeholder');
    sendBtn.textContent = t('send');
    showStatus();
  }

  function showStatus() {
    const online = mode === 'http' || ready;
    subtitle.textContent = online ? t('subtitle') : failures > 0 ? t('offline') : t('connecting');
    panel.dataset.connection = online ? 'online' : 'offline';
  }

  // ---- rendering ----
  function bubble(who, text, state) {
    const div = el('div', { class: 'msg ' + who });
    div.textContent = text;
    if (state) div.dataset.state = state;
    log.appendChild(div);
    return div;
  }
  function clearChips() { for (const c of log.querySelectorAll('.chips')) c.remove(); }
  function safeUrl(u) {
    try { const url = new URL(u, location.href); return /^https?:$/.test(url.protocol) ? url.href : null; } catch { return null; }
  }
  function renderBot(m, withChips, where) {
    const nodes = [el('div', { class: 'msg bot' })];
    nodes[0].textContent = m.text;
    if (m.buttons && m.buttons.length) nodes.push(options('buttons', m.buttons));
    if (withChips && m.quickReplies && m.quickReplies.length) nodes.push(options('chips', m.quickReplies));
    if (where) where.append(...nodes); else log.append(...nodes);
  }
  function options(cls, list) {
    const box = el('div', { class: cls });
    for (const b of list) {
      const href = b.url && safeUrl(b.url);
      const node = href ? el('a', { href, target: '_blank', rel: 'noopener noreferrer' }) : el('button', { type: 'button' });
      node.textContent = b.label;
      if (!href) node.addEventListener('click', () => submit(b.payload ? { payload: b.payload } : { text: b.label }, b.label));
      box.appendChild(node);
    }
    return box;
  }
  function scrollDown() { log.scrollTop = log.scrollHeight; }
  function onBotMessage(m) {
    clearChips();
    renderBot(m, true);
    scrollDown();
    if (panel.hidden) launcher.classList.add('unread');
  }
  function renderHistory(messages) {
    if (restored) return;
    restored = true;
    const frag = document.createDocumentFragment();
    let labels = {}; // a pressed button is stored as its payload: show the label the visitor saw
    messages.forEach((m, i) => {
      if (m.direction === 'in') frag.appendChild(el('div', { class: 'msg me' })).textContent = labels[m.text] || m.text;
      else {
        renderBot(m, i === messages.length - 1 && !log.querySelector('.msg.me'), frag);
        labels = {};
        for (const b of [...(m.quickReplies || []), ...(m.buttons || [])]) if (b.payload) labels[b.payload] = b.label;
      }
    });
    if (!messages.length && !log.childElementCount) frag.appendChild(el('div', { class: 'msg bot intro' })).textContent = t('intro');
    log.prepend(frag);
    scrollDown();
  }

  // ---- sending ----
  function newId() {
    return crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
  }
  function savePending() {
    store.set('pending', pending.size ? JSON.stringify([...pending.values()].map((p) => ({ frame: p.frame, label: p.label }))) : null);
  }
  function submit(content, shown) {
    clearChips();
    const frame = Object.assign({ type: 'message', clientMessageId: newId(), locale }, content);
    const entry = { frame, label: shown, sent: false, node: bubble('me', shown, 'sending') };
    pending.set(frame.clientMessageId, entry);
    savePending();
    scrollDown();
    flush();
  }
  function flush() {
    if (mode === 'http') return void postPending();
    if (!ready) return;
    for (const p of pending.values()) if (!p.sent && !p.retry) { ws.send(JSON.stringify(p.frame)); p.sent = true; }
  }
  function finish(id) {
    const p = pending.get(id);
    if (!p) return;
    if (p.retry) { p.sent = false; setTimeout(() => { p.retry = false; flush(); }, 3000); return; }
    if (p.node && p.node.dataset.state !== 'failed') p.node.dataset.state = 'sent';
    pending.delete(id);
    savePending();
  }
  function failed(id, code, message) {
    const p = pending.get(id);
    if (!p) return;
    if (RETRYABLE.includes(code)) { p.retry = true; return; }
    if (p.node) p.node.dataset.state = 'failed';
    bubble('note', t('failed') + message);
  }

  // ---- WebSocket with reconnect, backoff and jitter ----
  function connect() {
    clearTimeout(timer);
    if (ws) return;
    let socket;
    try { socket = new WebSocket(WS_URL); } catch { return void retry(); }
    ws = socket;
    socket.onopen = () => socket.send(JSON.stringify(Object.assign({ type: 'hello', locale }, sessionId ? { sessionId } : {})));
    socket.onmessage = (e) => { const f = readJson(e.data); if (f) onFrame(f); };
    socket.onclose = () => {
      if (ws !== socket) return;
      ws = null; ready = false; typingFor.clear(); typing.hidden = true;
      for (const p of pending.values()) p.sent = false;
      retry();
    };
  }
  function retry() {
    failures++;
    // WebSocket blocked (proxy, old browser): send over HTTP, keep trying the socket in the background.
    if (!everOpened && failures >= 2) { mode = 'http'; flush(); }
    showStatus();
    const delay = Math.min(30000, 500 * 2 ** Math.min(failures - 1, 6)) * (0.5 + Math.random() / 2);
    timer = setTimeout(connect, delay);
  }
  function onFrame(f) {
    switch (f.type) {
      case 'session':
        sessionId = f.sessionId; store.set('session', sessionId);
        ready = true; everOpened = true; failures = 0; mode = 'ws';
        showStatus();
        if (!restored) ws.send('{"type":"history"}');
        flush();
        break;
      case 'history': renderHistory(f.messages || []); break;
      case 'ack': { const p = pending.get(f.clientMessageId); if (p && p.node) p.node.dataset.state = 'delivered'; break; }
      case 'typing':
        if (f.on) typingFor.add(f.inReplyTo); else { typingFor.delete(f.inReplyTo); finish(f.inReplyTo); }
        typing.hidden = typingFor.size === 0;
        break;
      case 'reply': case 'push': onBotMessage(f.message); break;
      case 'error':
        if (f.clientMessageId) failed(f.clientMessageId, f.code, f.message);
        else if (f.code === 'unauthorized') {
          // The stored session was not accepted: what is on screen belongs to no session any more.
          log.textContent = ''; restored = false;
          for (const p of pending.values()) if (p.node) log.appendChild(p.node);
        }
        break;
    }
  }

  // ---- HTTP fallback ----
  async function postPending() {
    if (posting) return;
    posting = true;
    try {
      if (!restored && sessionId) await loadHistoryHttp();
      for (const [id, p] of pending) {
        if (p.retry) continue;
        const body = Object.assign({ sessionId: sessionId || undefined }, p.frame, { type: undefined });
        const res = await fetch(base.origin + '/chat/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const data = await res.json().catch(() => ({}));
        if (res.status === 401) { sessionId = null; store.set('session', null); return void setTimeout(postPending, 0); }
        if (!res.ok) { failed(id, res.status >= 500 || res.status === 429 ? 'unavailable' : 'bad_frame', (data.error && data.error.message) || res.status); finish(id); continue; }
        sessionId = data.sessionId; store.set('session', sessionId);
        for (const r of data.replies || []) onBotMessage(r);
        finish(id);
      }
    } catch { setTimeout(postPending, 3000); } finally { posting = false; }
  }
  async function loadHistoryHttp() {
    const res = await fetch(base.origin + '/chat/history?sessionId=' + encodeURIComponent(sessionId));
    if (res.ok) renderHistory((await res.json()).messages || []);
    else { sessionId = null; store.set('session', null); renderHistory([]); }
  }

  // ---- wiring ----
  function open() {
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    launcher.classList.remove('unread');
    if (mode === 'http') postPending(); else connect();
    if (restored === false && mode === 'http' && !sessionId) renderHistory([]);
    input.focus();
    scrollDown();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }
  launcher.addEventListener('click', () => (panel.hidden ? open() : close()));
  closeBtn.addEventListener('click', close);
  panel.addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });
  langBtn.addEventListener('click', () => { locale = locale === 'en' ? 'zh-CN' : 'en'; store.set('locale', locale); applyLocale(); input.focus(); });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    submit({ text }, text);
  });
  window.addEventListener('online', () => { if (!ws && mode === 'ws') connect(); });

  applyLocale();
  for (const p of pending.values()) p.node = bubble('me', p.label || p.frame.text || p.frame.payload, 'sending');
  // A returning visitor reconnects at once (history, pushes from an agent); a new one on first open.
  if (sessionId || pending.size) mode === 'http' ? postPending() : connect();
})();
