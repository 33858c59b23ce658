/*
 * Every string of the agent console in English and Simplified Chinese. `t(key, vars)` fills
 * `{name}` placeholders; static markup carries `data-i18n` (text) and `data-i18n-<attr>` keys.
 */
const STRINGS = {
  en: {
    title: 'Patron agent console', skip: 'Skip to the conversation', other: '中文', otherLabel: '切换到中文',
    signInTitle: 'Sign in', signInIntro: 'Sign in with your staff account, or paste an API token.',
    email: 'E-mail', password: 'Password', signIn: 'Sign in', orToken: 'Or use an API token', token: 'API token', useToken: 'Use token',
    signOut: 'Sign out', signingIn: 'Signing in…', signInFailed: 'Sign-in failed: {msg}', tooManySignIns: 'Too many sign-in attempts. Wait {seconds} s and try again.', notAgent: 'This console needs an agent or admin account; you are {role}.',
    sessionEnded: 'Your session ended. Please sign in again.', signedInAs: '{name} · {role}',
    role_agent: 'agent', role_admin: 'admin', role_marketer: 'marketer',
    lists: 'Conversations', queue: 'Queue', mine: 'My conversations', botThreads: 'Live bot threads',
    queueEmpty: 'Nobody is waiting.', mineEmpty: 'You hold no conversations.', botEmpty: 'No live bot threads.',
    refresh: 'Refresh', live: 'Live', connecting: 'Connecting…', reconnecting: 'Offline — reconnecting…',
    pick: 'Select a conversation from the queue or a list.', loading: 'Loading…',
    waiting: 'waiting {n} min', unread: 'new messages', score: 'priority {n}', slaDue: 'SLA due {time}',
    owner_bot: 'Bot', owner_queue: 'Waiting in queue', owner_agent: 'With {agent}', owner_you: 'With you', someone: 'another agent',
    reason_customer_request: 'Asked for a person', reason_repeated_fallback: 'Bot did not understand', reason_anger: 'Upset customer',
    reason_no_product_match: 'No product match', reason_agent_pick: 'Picked by an agent', reason_assigned: 'Assigned',
    claim: 'Claim', release: 'Release to queue', handback: 'Hand back to bot', resolve: 'Resolve', actions: 'Conversation actions',
    did_claim: 'You claimed this conversation.', did_release: 'Released to the queue.', did_handback: 'Handed back to the bot.', did_resolve: 'Marked as resolved.',
    conflict: 'Someone else took it — this conversation is now: {msg}. The view has been refreshed.', takenBy: '{agent} took this conversation.',
    nowOwner: 'This conversation is now: {owner}.',
    transcript: 'Transcript', noMessages: 'No messages yet.',
    author_customer: 'Customer', author_bot: 'Bot', author_agent: 'Agent', author_system: 'System', author_campaign: 'Campaign',
    reply: 'Reply to the customer', replyPlaceholder: 'Type a reply… (Enter sends, Shift+Enter adds a line)', send: 'Send',
    replyDisabled: 'Claim the conversation to reply.', sent: 'Sent.', queued: 'Queued for delivery.',
    canned: 'Canned response', cannedPick: 'Insert a canned response…', cannedLocale: 'Canned response language',
    customer: 'Customer', anonymous: 'Guest {id}', contact: 'Contact', locale: 'Language', channels: 'Channels', verified: 'verified',
    tier: 'Tier', points: 'Points', notMember: 'Not a member', lifetime: 'Lifetime spend', ordersCount: '{n} orders',
    orders: 'Recent orders', noOrders: 'No orders.', tickets: 'Open tickets', noTickets: 'No open tickets.',
    ticketStatus: 'Status of ticket {number}', ticketSaved: 'Ticket {number} is now {status}.',
    ticketReadOnly: 'Ticket editing is not available on this server yet; tickets are shown read-only.',
    consent: 'Consent', noConsent: 'No consent recorded.', granted: 'granted', withdrawn: 'withdrawn', erased: 'This customer was erased.',
    notes: 'Internal notes', notesHint: 'Only staff see notes.', note: 'New note', addNote: 'Add note', noNotes: 'No notes yet.',
    error: 'Something went wrong: {msg}', network: 'The server cannot be reached.', notFound: 'That conversation no longer exists.',
    back: 'Back to the lists', tier_bronze: 'Bronze', tier_silver: 'Silver', tier_gold: 'Gold', tier_platinum: 'Platinum',
    status_open: 'open', status_pending: 'pending', status_resolved: 'resolved', status_closed: 'closed',
    status_created: 'created', status_paid: 'paid', status_shipped: 'shipped', status_delivered: 'delivered', status_cancelled: 'cancelled', status_refunded: 'refunded',
    channel_webchat: 'Web chat', channel_telegram: 'Telegram', channel_slack: 'Slack', channel_email: 'E-mail', channel_sms: 'SMS', channel_messenger: 'Messenger', channel_console: 'Console',
    purpose_marketing: 'marketing', purpose_transactional: 'service',
  },
  'zh-CN': {
    title: 'Patron 客服工作台', skip: '跳到会话内容', other: 'English', otherLabel: 'Switch to English',
    signInTitle: '登录', signInIntro: '使用员工账号登录，或粘贴 API 令牌。',
    email: '电子邮箱', password: '密码', signIn: '登录', orToken: '或使用 API 令牌', token: 'API 令牌', useToken: '使用令牌',
    signOut: '退出登录', signingIn: '正在登录…', signInFailed: '登录失败：{msg}', tooManySignIns: '登录尝试次数过多，请等待 {seconds} 秒后再试。', notAgent: '此工作台需要客服或管理员账号；您的角色是 {role}。',
    sessionEnded: '登录已过期，请重新登录。', signedInAs: '{name} · {role}',
    role_agent: '客服', role_admin: '管理员', role_marketer: '营销',
    lists: '会话', queue: '待接入队列', mine: '我的会话', botThreads: '机器人实时会话',
    queueEmpty: '暂无等待的客户。', mineEmpty: '您当前没有会话。', botEmpty: '暂无机器人会话。',
    refresh: '刷新', live: '实时', connecting: '正在连接…', reconnecting: '连接中断，正在重连…',
    pick: '请从队列或列表中选择一个会话。', loading: '正在加载…',
    waiting: '已等待 {n} 分钟', unread: '有新消息', score: '优先级 {n}', slaDue: 'SLA 截止 {time}',
    owner_bot: '机器人', owner_queue: '排队等待中', owner_agent: '由 {agent} 处理', owner_you: '由您处理', someone: '其他客服',
    reason_customer_request: '客户要求人工', reason_repeated_fallback: '机器人多次未理解', reason_anger: '客户情绪激动',
    reason_no_product_match: '未找到匹配商品', reason_agent_pick: '客服主动接入', reason_assigned: '已指派',
    claim: '接入', release: '放回队列', handback: '交还机器人', resolve: '标记已解决', actions: '会话操作',
    did_claim: '您已接入此会话。', did_release: '已放回队列。', did_handback: '已交还机器人。', did_resolve: '已标记为已解决。',
    conflict: '该会话已被他人接手，当前状态：{msg}。页面已刷新。', takenBy: '{agent} 已接入此会话。',
    nowOwner: '此会话当前状态：{owner}。',
    transcript: '对话记录', noMessages: '暂无消息。',
    author_customer: '客户', author_bot: '机器人', author_agent: '客服', author_system: '系统', author_campaign: '营销活动',
    reply: '回复客户', replyPlaceholder: '输入回复…（回车发送，Shift+回车换行）', send: '发送',
    replyDisabled: '接入会话后才能回复。', sent: '已发送。', queued: '已排队等待发送。',
    canned: '快捷回复', cannedPick: '插入快捷回复…', cannedLocale: '快捷回复语言',
    customer: '客户资料', anonymous: '访客 {id}', contact: '联系方式', locale: '语言', channels: '渠道', verified: '已验证',
    tier: '会员等级', points: '积分', notMember: '非会员', lifetime: '累计消费', ordersCount: '{n} 笔订单',
    orders: '最近订单', noOrders: '暂无订单。', tickets: '未结工单', noTickets: '暂无未结工单。',
    ticketStatus: '工单 {number} 的状态', ticketSaved: '工单 {number} 已改为{status}。',
    ticketReadOnly: '此服务器暂不支持编辑工单，工单仅供查看。',
    consent: '授权同意', noConsent: '暂无授权记录。', granted: '已同意', withdrawn: '已撤回', erased: '该客户的数据已删除。',
    notes: '内部备注', notesHint: '备注仅员工可见。', note: '新备注', addNote: '添加备注', noNotes: '暂无备注。',
    error: '出错了：{msg}', network: '无法连接服务器。', notFound: '该会话已不存在。',
    back: '返回列表', tier_bronze: '青铜', tier_silver: '白银', tier_gold: '黄金', tier_platinum: '铂金',
    status_open: '待处理', status_pending: '等待中', status_resolved: '已解决', status_closed: '已关闭',
    status_created: '已创建', status_paid: '已付款', status_shipped: '已发货', status_delivered: '已送达', status_cancelled: '已取消', status_refunded: '已退款',
    channel_webchat: '网页聊天', channel_telegram: 'Telegram', channel_slack: 'Slack', channel_email: '电子邮件', channel_sms: '短信', channel_messenger: 'Messenger', channel_console: '控制台',
    purpose_marketing: '营销', purpose_transactional: '服务通知',
  },
};

const KEY = 'patron.agent.locale';
const pick = (tag) => (String(tag || '').toLowerCase().startsWith('zh') ? 'zh-CN' : 'en');
let current = pick(read() || navigator.language);
const listeners = [];

function read() { try { return localStorage.getItem(KEY); } catch { return null; } }

/** The UI locale: 'en' or 'zh-CN'. */
export const locale = () => current;

/** Switches the UI language, remembers it, and tells every listener to re-render. */
export function setLocale(next) {
  current = pick(next);
  try { localStorage.setItem(KEY, current); } catch { /* storage blocked */ }
  applyStatic(document);
  for (const fn of listeners) fn(current);
}

export const onLocale = (fn) => listeners.push(fn);

/** A string in the current locale with `{var}` filled; unknown keys fall back to English, then to `fallback`. */
export function t(key, vars, fallback) {
  const s = STRINGS[current][key] ?? STRINGS.en[key] ?? fallback ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] == null ? m : String(vars[k]))) : s;
}

/** A translated enum value (`tier`, `status`, `channel` …), or the raw value when unknown. */
export const tv = (prefix, value) => (value == null ? '' : t(`${prefix}_${value}`, undefined, String(value)));

/** Sets text and attributes of static markup from `data-i18n` / `data-i18n-placeholder` / `data-i18n-aria-label`. */
export function applyStatic(root) {
  document.documentElement.lang = current;
  document.title = t('title');
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll('[data-i18n-placeholder]')) node.setAttribute('placeholder', t(node.dataset.i18nPlaceholder));
  for (const node of root.querySelectorAll('[data-i18n-aria-label]')) node.setAttribute('aria-label', t(node.dataset.i18nAriaLabel));
}

/** Local date-time for an ISO string, in the UI locale. */
export function when(iso, withDate = false) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const opts = withDate || Date.now() - d.getTime() > 20 * 3600e3 ? { dateStyle: 'short', timeStyle: 'short' } : { timeStyle: 'short' };
  return new Intl.DateTimeFormat(current, opts).format(d);
}

/** Money in the UI locale. */
export function money(amount, currency) {
  try { return new Intl.NumberFormat(current, { style: 'currency', currency: currency || 'USD' }).format(amount); } catch { return `${amount} ${currency || ''}`.trim(); }
}
