/*
 * Staff accounts (admin only): GET/POST /api/users, PATCH /api/users/:id (name, e-mail, role,
 * password, disabled) and POST /api/users/:id/token. A new API token is shown once, in a read-only
 * field. Risky steps (disable, replace token) are confirmed inline — never with window.confirm, which
 * would block the page. The signed-in admin's own row offers no disable and no role change (the server
 * refuses both with 409; its message is shown should it come anyway).
 */
import { api, session } from './api.js';
import { h, fill, field, notice, uid } from './dom.js';
import { t, locale } from './i18n.js';
import { header, loading, statusLine, errorText } from './page.js';

const ROLES = ['admin', 'agent', 'marketer'];
const PASSWORD_MIN = 10;
const ROLE_KEYS = { admin: 'roleAdmin', agent: 'roleAgent', marketer: 'roleMarketer' };
const roleName = (r) => (Object.hasOwn(ROLE_KEYS, String(r)) ? t(ROLE_KEYS[r]) : String(r ?? ''));
const userPath = (id) => `/api/users/${encodeURIComponent(id)}`;
const day = (d) => {
  const x = new Date(d);
  return Number.isNaN(x.getTime()) ? String(d ?? '') : x.toLocaleDateString(locale(), { year: 'numeric', month: 'short', day: 'numeric' });
};

/** The message for a failed staff request; a 404 on one account means it is gone, not that the API is missing. */
function problem(err) {
  if (err?.status === 404 && /^\/api\/users\/./.test(err.path ?? '')) return t('accountGone');
  return errorText(err);
}

/** Marks the input the server's 400 names ("password: must be …") as invalid and focuses it. */
function markServerField(err, inputs) {
  const name = err?.status === 400 || err?.status === 409 ? /^(\w+):/.exec(err.message ?? '')?.[1] ?? (/e-mail/.test(err.message ?? '') ? 'email' : null) : null;
  const input = name ? inputs[name] : null;
  if (!input) return;
  input.setAttribute('aria-invalid', 'true');
  input.focus();
}

/** The first problem of a form, as [input, message], or null. Clears earlier marks. */
function firstProblem(checks) {
  for (const [input] of checks) input.removeAttribute('aria-invalid');
  const bad = checks.find(([, message]) => message);
  if (!bad) return null;
  bad[0].setAttribute('aria-invalid', 'true');
  bad[0].focus();
  return bad[1];
}

const emailProblem = (input) => (input.value.trim() && input.validity.typeMismatch ? t('emailInvalid') : null);
const passwordProblem = (input, required) => {
  const n = input.value.length;
  if (!n) return required ? t('passwordShort', { min: PASSWORD_MIN }) : null;
  return n < PASSWORD_MIN ? t('passwordShort', { min: PASSWORD_MIN }) : null;
};

export function render(main) {
  const list = h('div');
  fill(main, ...header(t('staffTitle'), t('staffIntro')), createCard(() => showList(list)),
    h('section', { 'aria-labelledby': 'staff-list-h' }, [h('h2', { id: 'staff-list-h', text: t('staffAccounts') }), list]));
  return showList(list);
}

/** A new token, shown once: a read-only field to select or copy, and a "done" that removes it from the page. */
function tokenBox(title, token, onDone) {
  const titleId = uid('token-h');
  const noteId = uid('token-note');
  const input = h('input', {
    type: 'text', readonly: true, value: token, class: 'token-field', spellcheck: 'false', autocomplete: 'off',
    'aria-describedby': noteId, 'data-token': '', onfocus: (e) => e.target.select(),
  });
  input.id = uid('token');
  const out = h('span', { class: 'row-status', role: 'status' });
  const copy = h('button', {
    type: 'button', class: 'secondary', text: t('copy'),
    onclick: async () => {
      try {
        if (!navigator.clipboard) throw new Error('no clipboard');
        await navigator.clipboard.writeText(token);
        out.className = 'row-status ok';
        out.textContent = t('copied');
      } catch {
        input.focus();
        input.select();
        out.className = 'row-status';
        out.textContent = t('copyByHand');
      }
    },
  });
  return h('div', { class: 'token-box', role: 'group', 'aria-labelledby': titleId }, [
    h('p', { id: titleId, class: 'token-title', text: title }),
    h('p', { id: noteId, class: 'token-note', text: t('tokenOnce') }),
    h('div', { class: 'field' }, [h('label', { for: input.id, text: t('apiToken') }), input]),
    h('div', { class: 'buttons' }, [copy, h('button', { type: 'button', class: 'secondary', text: t('tokenSaved'), onclick: onDone }), out]),
  ]);
}

/** Replaces `slot` with a question and yes / cancel (Escape cancels); focus goes to cancel, the safe choice. */
function confirmStep(slot, question, yesText, onYes, onCancel) {
  const qid = uid('confirm');
  const yes = h('button', { type: 'button', class: 'danger', text: yesText });
  const cancel = h('button', { type: 'button', class: 'secondary', text: t('cancel'), onclick: onCancel });
  yes.addEventListener('click', () => {
    yes.disabled = true;
    cancel.disabled = true;
    onYes();
  });
  const group = h('div', { class: 'confirm', role: 'group', 'aria-labelledby': qid }, [
    h('p', { id: qid, class: 'confirm-q', text: question }), h('div', { class: 'buttons' }, [yes, cancel]),
  ]);
  group.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !cancel.disabled) { e.preventDefault(); onCancel(); } });
  fill(slot, group);
  cancel.focus();
}

function createCard(refresh) {
  const name = h('input', { type: 'text', name: 'name', maxlength: '100', required: true, autocomplete: 'off' });
  const role = h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r, text: roleName(r), selected: r === 'agent' })));
  const email = h('input', { type: 'email', name: 'email', maxlength: '200', autocomplete: 'off', spellcheck: 'false' });
  const password = h('input', { type: 'password', name: 'password', maxlength: '200', autocomplete: 'new-password' });
  const status = statusLine();
  const reveal = h('div', { class: 'token-slot' });
  const submit = h('button', { type: 'submit', class: 'primary', text: t('createAccount') });
  const form = h('form', { class: 'stack', novalidate: true, 'aria-labelledby': 'staff-new-h' }, [
    h('div', { class: 'form-grid' }, [
      field(t('staffName'), name).wrap,
      field(t('role'), role).wrap,
      field(t('emailOptional'), email).wrap,
      field(t('passwordOptional'), password, t('passwordHint', { min: PASSWORD_MIN })).wrap,
    ]),
    status.node,
    h('div', { class: 'buttons' }, submit),
  ]);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const bad = firstProblem([[name, name.value.trim() ? null : t('nameRequired')], [email, emailProblem(email)], [password, passwordProblem(password, false)]]);
    if (bad) return status.error(bad);
    const body = { name: name.value.trim(), role: role.value };
    if (email.value.trim()) body.email = email.value.trim();
    if (password.value) body.password = password.value;
    submit.disabled = true;
    status.clear();
    try {
      const created = await api('/api/users', { method: 'POST', body });
      form.reset();
      role.value = 'agent';
      status.ok(t('accountCreated', { name: body.name }));
      fill(reveal, tokenBox(t('tokenFor', { name: body.name }), created.token, () => { fill(reveal); name.focus(); }));
      reveal.querySelector('input')?.focus();
      refresh();
    } catch (err) {
      status.error(problem(err));
      markServerField(err, { name, email, role, password });
    } finally {
      submit.disabled = false;
    }
  });
  return h('section', { class: 'card stack staff-new', 'aria-labelledby': 'staff-new-h' }, [h('h2', { id: 'staff-new-h', text: t('newAccount') }), form, reveal]);
}

function showList(target) {
  return loading(target, async () => {
    const [me, res] = await Promise.all([api('/api/me'), api('/api/users')]);
    const items = res?.items ?? [];
    if (!items.length) return fill(target, notice(t('empty')));
    const heads = [t('staffName'), t('email'), t('role'), t('status'), t('createdOn'), t('actions')];
    fill(target, h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'staff-list-h' }, h('table', { class: 'staff-table' }, [
      h('caption', { text: t('staffAccounts') }),
      h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col', text: x })))),
      ...items.map((acc) => h('tbody', {}, accountRows(acc, acc.id === me?.id, heads))),
    ])));
  });
}

/** One account: the summary row and its "manage" panel (a disclosure, built when first opened). */
function accountRows(initial, self, heads) {
  let acc = initial;
  const panelId = uid('staff-panel');
  const cells = heads.map((label, i) => h('td', { 'data-label': i < heads.length - 1 ? label : null }));
  const row = h('tr', { class: 'staff-row', 'data-id': acc.id, 'data-self': self ? 'true' : null }, cells);
  const toggle = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'aria-controls': panelId, text: t('manage') });
  const inner = h('div', { class: 'staff-parts' });
  const panel = h('tr', { class: 'staff-panel', id: panelId, hidden: true, 'data-for': acc.id }, h('td', { colspan: String(heads.length) }, inner));

  const paint = () => {
    toggle.setAttribute('aria-label', t('manageFor', { name: acc.name }));
    fill(cells[0], h('span', { class: 'staff-name', text: acc.name }), self ? h('span', { class: 'badge you', text: t('you') }) : null);
    fill(cells[1], acc.email ? acc.email : h('span', { class: 'muted', text: t('noEmail') }));
    fill(cells[2], roleName(acc.role));
    fill(cells[3], acc.disabled_at
      ? h('span', { class: 'badge disabled', text: t('statusDisabled'), title: t('disabledSince', { date: day(acc.disabled_at) }) })
      : h('span', { class: 'badge active', text: t('statusActive') }));
    fill(cells[4], h('time', { datetime: String(acc.created_at ?? ''), text: day(acc.created_at) }));
    fill(cells[5], toggle);
    row.classList.toggle('is-disabled', Boolean(acc.disabled_at));
  };

  /** PATCHes the account; on success repaints the summary and says `okText` in `part`. */
  const change = async (body, part, okText, inputs = {}) => {
    part.status.clear();
    try {
      acc = { ...acc, ...(await api(userPath(acc.id), { method: 'PATCH', body })) };
      paint();
      part.status.ok(typeof okText === 'function' ? okText() : okText);
      return true;
    } catch (err) {
      part.status.error(problem(err));
      markServerField(err, inputs);
      return false;
    }
  };

  const part = (title) => {
    const hid = uid('part-h');
    const status = statusLine();
    const slot = h('div', { class: 'part-body' });
    const node = h('section', { class: 'staff-part', 'aria-labelledby': hid }, [h('h3', { id: hid, text: title }), slot, status.node]);
    return { node, slot, status };
  };

  const rolePart = () => {
    const p = part(t('role'));
    const select = h('select', { name: 'role' }, ROLES.map((r) => h('option', { value: r, text: roleName(r), selected: r === acc.role })));
    const save = h('button', { type: 'submit', class: 'secondary', text: t('changeRole') });
    const form = h('form', { class: 'row-form' }, [select, save]);
    select.setAttribute('aria-label', t('roleFor', { name: acc.name }));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (select.value === acc.role) return p.status.ok(t('roleUnchanged'));
      save.disabled = true;
      await change({ role: select.value }, p, () => t('roleChanged', { role: roleName(acc.role) }), { role: select });
      select.value = acc.role;
      save.disabled = false;
    });
    fill(p.slot, form);
    return p.node;
  };

  const accessPart = () => {
    const p = part(t('access'));
    const show = (focus) => {
      const off = Boolean(acc.disabled_at);
      const btn = h('button', { type: 'button', class: off ? 'secondary' : 'secondary warn-outline', text: off ? t('enable') : t('disable') });
      fill(p.slot, h('p', { class: 'part-note', text: off ? t('disabledSince', { date: day(acc.disabled_at) }) : t('accessActive') }), h('div', { class: 'buttons' }, btn));
      btn.addEventListener('click', () => {
        if (off) {
          btn.disabled = true;
          return void change({ disabled: false }, p, () => t('enabledDone', { name: acc.name })).then(() => show(true));
        }
        p.status.clear();
        confirmStep(p.slot, t('disableConfirm', { name: acc.name }), t('disableYes'),
          () => void change({ disabled: true }, p, () => t('disabledDone', { name: acc.name })).then(() => show(true)),
          () => show(true));
      });
      if (focus) btn.focus();
    };
    show(false);
    return p.node;
  };

  const detailsPart = () => {
    const p = part(t('nameAndEmail'));
    const name = h('input', { type: 'text', name: 'name', maxlength: '100', autocomplete: 'off', value: acc.name });
    const email = h('input', { type: 'email', name: 'email', maxlength: '200', autocomplete: 'off', spellcheck: 'false', value: acc.email ?? '' });
    const save = h('button', { type: 'submit', class: 'secondary', text: t('save') });
    const form = h('form', { class: 'stack', novalidate: true }, [field(t('staffName'), name).wrap, field(t('email'), email, t('emailClearHint')).wrap, h('div', {}, save)]);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const bad = firstProblem([[name, name.value.trim() ? null : t('nameRequired')], [email, emailProblem(email)]]);
      if (bad) return p.status.error(bad);
      save.disabled = true;
      await change({ name: name.value.trim(), email: email.value.trim() || null }, p, t('saved'), { name, email });
      save.disabled = false;
    });
    fill(p.slot, form);
    return p.node;
  };

  const passwordPart = () => {
    const p = part(t('password'));
    const input = h('input', { type: 'password', name: 'new-password', maxlength: '200', autocomplete: 'new-password' });
    const save = h('button', { type: 'submit', class: 'secondary', text: t('setPassword') });
    const form = h('form', { class: 'stack', novalidate: true }, [field(t('newPasswordFor', { name: acc.name }), input, t('newPasswordHint', { min: PASSWORD_MIN })).wrap, h('div', {}, save)]);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const bad = firstProblem([[input, passwordProblem(input, true)]]);
      if (bad) return p.status.error(bad);
      save.disabled = true;
      if (await change({ password: input.value }, p, () => (acc.email ? t('passwordSet') : t('passwordSetNoEmail')), { password: input })) input.value = '';
      save.disabled = false;
    });
    fill(p.slot, form);
    return p.node;
  };

  const tokenPart = () => {
    const p = part(t('apiToken'));
    const show = (focus) => {
      const btn = h('button', { type: 'button', class: 'secondary warn-outline', text: t('replaceToken') });
      fill(p.slot, h('p', { class: 'part-note', text: t('tokenNote') }), h('div', { class: 'buttons' }, btn));
      btn.addEventListener('click', () => {
        p.status.clear();
        confirmStep(p.slot, t(self ? 'replaceOwnConfirm' : 'replaceConfirm', { name: acc.name }), t('replaceYes'), async () => {
          try {
            const { token } = await api(`${userPath(acc.id)}/token`, { method: 'POST' });
            // Signed in with the token just replaced? Keep this browser signed in with the new one.
            if (self) await api('/api/me', { quiet401: true }).catch((err) => { if (err.status === 401) session.set(token); });
            fill(p.slot, tokenBox(t('newTokenFor', { name: acc.name }), token, () => show(true)));
            p.status.ok(t('tokenReplaced'));
            p.slot.querySelector('input')?.focus();
          } catch (err) {
            show(true);
            p.status.error(problem(err));
          }
        }, () => show(true));
      });
      if (focus) btn.focus();
    };
    show(false);
    return p.node;
  };

  const build = () => {
    const own = self ? h('section', { class: 'staff-part' }, [h('h3', { text: t('access') }), h('p', { class: 'part-note', text: t('ownAccountNote') })]) : null;
    fill(inner, self ? own : rolePart(), self ? null : accessPart(), detailsPart(), passwordPart(), tokenPart());
  };
  toggle.addEventListener('click', () => {
    const open = panel.hidden;
    if (open && !inner.firstChild) build();
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
  });
  paint();
  return [row, panel];
}
