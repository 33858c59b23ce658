/*
 * Every string the admin dashboard shows, in English and Simplified Chinese. `t(key, vars)` fills
 * `{name}` placeholders; the chosen language is kept in localStorage.
 */
const STRINGS = {
  en: {
    appTitle: 'Patron admin', skip: 'Skip to content', language: '中文', languageLabel: '切换到中文',
    signInTitle: 'Sign in', signInIntro: 'Sign in with your staff e-mail and password, or paste an access token.',
    email: 'E-mail', password: 'Password', signIn: 'Sign in', or: 'or', token: 'Access token',
    tokenHint: 'The admin token printed by “npm start”, or a token from POST /api/users.',
    useToken: 'Use token', signOut: 'Sign out', signingIn: 'Signing in…', tooManySignIns: 'Too many sign-in attempts. Wait {seconds} s and try again.',
    badLogin: 'Those details were not accepted.', badToken: 'That token was not accepted.', signedInAs: 'Signed in as {name} ({role})',
    navMain: 'Sections', navOverview: 'Overview', navUnrecognised: 'Not understood', navCatalog: 'Catalog', navFaq: 'FAQ',
    navLoyalty: 'Tiers & rewards', navSegments: 'Segments', navCampaigns: 'Campaigns', navStaff: 'Staff',
    loading: 'Loading…', retry: 'Try again', saved: 'Saved.', empty: 'Nothing here yet.',
    notAvailable: 'This part of the admin API is not available on this server yet ({path}).',
    failed: 'The request failed: {message}', sessionExpired: 'Your session has ended; please sign in again.',
    forbidden: 'Your role may not do this.', network: 'The server could not be reached.',
    period: 'Period', days7: 'Last 7 days', days30: 'Last 30 days', days90: 'Last 90 days',
    chConversations: 'Conversations per channel per day', chIntents: 'Intent mix', fallbackRate: 'Fallback rate',
    fallbackHint: 'Share of messages the bot did not understand',
    chTiers: 'Members by tier', chPoints: 'Points', issued: 'Issued', redeemed: 'Redeemed', outstanding: 'Outstanding (liability)',
    chTickets: 'Tickets by status', slaBreaches: 'SLA breaches', chFunnel: 'Campaign funnel', sent: 'Sent', replied: 'Replied', converted: 'Converted',
    repeatRate: 'Repeat-purchase rate', churnRisk: 'Churn risk', churnOf: '{atRisk} of {total} customers',
    count: 'Count', conversations: 'Conversations', members: 'Members', tickets: 'Tickets', customers: 'Customers',
    chartSummary: '{title}: {summary}', noData: 'no data in this period',
    unrecognisedTitle: 'Messages the bot did not understand',
    unrecognisedIntro: 'Add a message as a training phrase of the intent it should have matched, then retrain the model.',
    message: 'Message', locale: 'Language', lastSeen: 'Last seen', times: 'Times', action: 'Add to intent',
    chooseIntent: 'Choose an intent', addPhrase: 'Add', added: 'Added to {intent}', retrain: 'Retrain model',
    retraining: 'Retraining…', retrained: 'The model was retrained.', intentFor: 'Intent for “{text}”',
    catalogTitle: 'Catalog', search: 'Search', searchPlaceholder: 'Name, SKU or brand', sku: 'SKU', name: 'Name',
    price: 'Price', stock: 'Stock', category: 'Category', brand: 'Brand', save: 'Save', edit: 'Edit', cancel: 'Cancel',
    prev: 'Previous', next: 'Next', pageOf: '{from}–{to} of {total}', priceFor: 'Price of {name}', stockFor: 'Stock of {name}',
    invalidNumber: '{field} must be a number of zero or more.',
    faqTitle: 'FAQ answers', faqIntro: 'Edit the answers of one language as JSON: an object of entry id → answer text.',
    faqLocale: 'Answers in', faqInvalidJson: 'This is not valid JSON: {message}', faqNotObject: 'The JSON must be an object of entry id → answer text.',
    faqUnknown: 'Unknown entry “{key}”.', faqNotText: 'The answer of “{key}” must be non-empty text.', faqSave: 'Save answers',
    loyaltyTitle: 'Tiers & rewards', tier: 'Tier', rewards: 'Rewards', reward: 'Reward', cost: 'Cost (points)',
    segmentsTitle: 'Segments', newSegment: 'New segment', segmentName: 'Name', filter: 'Filter (JSON)',
    filterHint: 'Keys are ANDed: tier, tags, channel, locale, lastSeenWithinDays, minSpend, rfm. {} means every customer.',
    filterInvalid: 'The filter is not valid JSON: {message}', filterNotObject: 'The filter must be a JSON object.',
    nameRequired: 'A name is required.', create: 'Create', preview: 'Preview', previewCount: '{count} customers match',
    created: 'Created.', id: 'ID', active: 'Active', sampleLabel: 'For example: {names}',
    campaignsTitle: 'Campaigns', status: 'Status', segment: 'Segment', channels: 'Channels', schedule: 'Schedule',
    campaignsMissing: 'The campaigns API is not available yet. Campaigns can be created through POST /api/campaigns.',
    apiDocs: 'API description (OpenAPI)',
    staffTitle: 'Staff accounts', staffAccounts: 'Accounts',
    staffIntro: 'Who may use this dashboard and the API. Admins may do everything; agents answer customers in the agent console; marketers work with segments and campaigns.',
    staffName: 'Name', roleAdmin: 'Admin', roleAgent: 'Agent', roleMarketer: 'Marketer', role: 'Role',
    newAccount: 'New account', emailOptional: 'E-mail (optional)', passwordOptional: 'Password (optional)',
    passwordHint: 'At least {min} characters. Signing in with a password also needs the e-mail; without one the account uses its API token.',
    createAccount: 'Create account', accountCreated: 'Account “{name}” created.',
    emailInvalid: 'This is not a valid e-mail address.', passwordShort: 'The password must be at least {min} characters.',
    apiToken: 'API token', tokenFor: 'API token for {name}', newTokenFor: 'New API token for {name}',
    tokenOnce: 'Copy this token now: it will not be shown again. If it is lost, replace it.',
    copy: 'Copy', copied: 'Copied.', copyByHand: 'The token is selected: copy it with Ctrl+C or ⌘C.', tokenSaved: 'I have saved it',
    createdOn: 'Created', actions: 'Actions', manage: 'Manage', manageFor: 'Manage {name}', you: 'you', noEmail: '—',
    statusActive: 'Active', statusDisabled: 'Disabled', disabledSince: 'Disabled since {date}.',
    changeRole: 'Change role', roleFor: 'Role of {name}', roleUnchanged: 'That is already the role.', roleChanged: 'The role is now {role}.',
    access: 'Access', accessActive: 'The account can sign in and use its API token.', disable: 'Disable', enable: 'Enable',
    disableConfirm: 'Disable {name}? Their API token and sessions stop working at once.', disableYes: 'Yes, disable',
    disabledDone: '{name} is disabled.', enabledDone: '{name} can sign in again.',
    nameAndEmail: 'Name and e-mail', emailClearHint: 'Leave empty to remove the e-mail.',
    setPassword: 'Set password', newPasswordFor: 'New password for {name}', newPasswordHint: 'At least {min} characters. Their current sessions end.',
    passwordSet: 'The password was set.', passwordSetNoEmail: 'The password was set. Add an e-mail so it can be used to sign in.',
    tokenNote: 'The token is for API clients and token sign-in. Replacing it stops the old one at once.', replaceToken: 'Replace token',
    replaceConfirm: 'Replace the API token of {name}? The current token stops working at once.',
    replaceOwnConfirm: 'Replace your own API token? The current one stops working at once; this browser switches to the new one.',
    replaceYes: 'Yes, replace', tokenReplaced: 'The token was replaced.',
    ownAccountNote: 'This is your account: you cannot change your own role or disable it. Another admin can.',
    accountGone: 'This account no longer exists. Reload the page.',
  },
  'zh-CN': {
    appTitle: 'Patron 管理后台', skip: '跳到主要内容', language: 'English', languageLabel: 'Switch to English',
    signInTitle: '登录', signInIntro: '使用员工邮箱和密码登录，或粘贴访问令牌。',
    email: '邮箱', password: '密码', signIn: '登录', or: '或', token: '访问令牌',
    tokenHint: '“npm start” 打印的管理员令牌，或 POST /api/users 返回的令牌。',
    useToken: '使用令牌', signOut: '退出登录', signingIn: '正在登录…', tooManySignIns: '登录尝试次数过多，请等待 {seconds} 秒后再试。',
    badLogin: '邮箱或密码不正确。', badToken: '该令牌无效。', signedInAs: '当前用户：{name}（{role}）',
    navMain: '栏目', navOverview: '概览', navUnrecognised: '未识别消息', navCatalog: '商品目录', navFaq: '常见问题',
    navLoyalty: '会员等级与奖励', navSegments: '客户分群', navCampaigns: '营销活动', navStaff: '员工账号',
    loading: '正在加载…', retry: '重试', saved: '已保存。', empty: '暂无内容。',
    notAvailable: '此服务器尚未提供这部分管理接口（{path}）。',
    failed: '请求失败：{message}', sessionExpired: '登录已过期，请重新登录。',
    forbidden: '您的角色无权执行此操作。', network: '无法连接服务器。',
    period: '时间范围', days7: '最近 7 天', days30: '最近 30 天', days90: '最近 90 天',
    chConversations: '各渠道每日会话数', chIntents: '意图分布', fallbackRate: '兜底回复率',
    fallbackHint: '机器人未能理解的消息占比',
    chTiers: '各等级会员数', chPoints: '积分', issued: '已发放', redeemed: '已兑换', outstanding: '未兑换（负债）',
    chTickets: '各状态工单数', slaBreaches: 'SLA 超时', chFunnel: '营销活动漏斗', sent: '已发送', replied: '已回复', converted: '已转化',
    repeatRate: '复购率', churnRisk: '流失风险', churnOf: '{total} 位客户中有 {atRisk} 位',
    count: '数量', conversations: '会话', members: '会员', tickets: '工单', customers: '客户',
    chartSummary: '{title}：{summary}', noData: '此期间没有数据',
    unrecognisedTitle: '机器人未能理解的消息',
    unrecognisedIntro: '把消息添加为它本应匹配的意图的训练语句，然后重新训练模型。',
    message: '消息', locale: '语言', lastSeen: '最近出现', times: '次数', action: '添加到意图',
    chooseIntent: '选择意图', addPhrase: '添加', added: '已添加到 {intent}', retrain: '重新训练模型',
    retraining: '正在训练…', retrained: '模型已重新训练。', intentFor: '“{text}”的意图',
    catalogTitle: '商品目录', search: '搜索', searchPlaceholder: '名称、SKU 或品牌', sku: 'SKU', name: '名称',
    price: '价格', stock: '库存', category: '类别', brand: '品牌', save: '保存', edit: '编辑', cancel: '取消',
    prev: '上一页', next: '下一页', pageOf: '第 {from}–{to} 条，共 {total} 条', priceFor: '{name} 的价格', stockFor: '{name} 的库存',
    invalidNumber: '{field}必须是不小于零的数字。',
    faqTitle: '常见问题答案', faqIntro: '以 JSON 编辑某一语言的答案：对象的键是条目 ID，值是答案文本。',
    faqLocale: '答案语言', faqInvalidJson: 'JSON 格式不正确：{message}', faqNotObject: 'JSON 必须是“条目 ID → 答案文本”的对象。',
    faqUnknown: '未知条目“{key}”。', faqNotText: '“{key}”的答案必须是非空文本。', faqSave: '保存答案',
    loyaltyTitle: '会员等级与奖励', tier: '等级', rewards: '奖励', reward: '奖励', cost: '所需积分',
    segmentsTitle: '客户分群', newSegment: '新建分群', segmentName: '名称', filter: '筛选条件（JSON）',
    filterHint: '各条件同时满足：tier、tags、channel、locale、lastSeenWithinDays、minSpend、rfm。{} 表示所有客户。',
    filterInvalid: '筛选条件不是有效的 JSON：{message}', filterNotObject: '筛选条件必须是 JSON 对象。',
    nameRequired: '请填写名称。', create: '创建', preview: '预览', previewCount: '共 {count} 位客户符合',
    created: '已创建。', id: 'ID', active: '启用', sampleLabel: '例如：{names}',
    campaignsTitle: '营销活动', status: '状态', segment: '分群', channels: '渠道', schedule: '计划',
    campaignsMissing: '营销活动接口尚未开放。可通过 POST /api/campaigns 创建活动。',
    apiDocs: '接口说明（OpenAPI）',
    staffTitle: '员工账号', staffAccounts: '账号列表',
    staffIntro: '可以使用本后台和接口的人员。管理员可执行所有操作；客服在客服工作台回复客户；营销人员管理客户分群和营销活动。',
    staffName: '姓名', roleAdmin: '管理员', roleAgent: '客服', roleMarketer: '营销人员', role: '角色',
    newAccount: '新建账号', emailOptional: '邮箱（可选）', passwordOptional: '密码（可选）',
    passwordHint: '至少 {min} 个字符。使用密码登录还需要邮箱；没有密码的账号使用 API 令牌。',
    createAccount: '创建账号', accountCreated: '已创建账号“{name}”。',
    emailInvalid: '邮箱地址格式不正确。', passwordShort: '密码至少需要 {min} 个字符。',
    apiToken: 'API 令牌', tokenFor: '{name} 的 API 令牌', newTokenFor: '{name} 的新 API 令牌',
    tokenOnce: '请立即复制此令牌：它不会再次显示。如果丢失，请更换令牌。',
    copy: '复制', copied: '已复制。', copyByHand: '令牌已选中：请按 Ctrl+C 或 ⌘C 复制。', tokenSaved: '我已保存',
    createdOn: '创建日期', actions: '操作', manage: '管理', manageFor: '管理 {name}', you: '您', noEmail: '—',
    statusActive: '正常', statusDisabled: '已停用', disabledSince: '自 {date} 起停用。',
    changeRole: '更改角色', roleFor: '{name} 的角色', roleUnchanged: '角色未改变。', roleChanged: '角色已改为{role}。',
    access: '访问权限', accessActive: '该账号可以登录并使用其 API 令牌。', disable: '停用', enable: '启用',
    disableConfirm: '确定停用 {name}？其 API 令牌和登录会话将立即失效。', disableYes: '确定停用',
    disabledDone: '{name} 已停用。', enabledDone: '{name} 已重新启用。',
    nameAndEmail: '姓名和邮箱', emailClearHint: '留空即删除邮箱。',
    setPassword: '设置密码', newPasswordFor: '{name} 的新密码', newPasswordHint: '至少 {min} 个字符。其当前登录会话将结束。',
    passwordSet: '密码已设置。', passwordSetNoEmail: '密码已设置。请添加邮箱，以便使用密码登录。',
    tokenNote: '令牌用于接口调用和令牌登录。更换后旧令牌立即失效。', replaceToken: '更换令牌',
    replaceConfirm: '确定更换 {name} 的 API 令牌？当前令牌将立即失效。',
    replaceOwnConfirm: '确定更换您自己的 API 令牌？当前令牌将立即失效，本浏览器会改用新令牌。',
    replaceYes: '确定更换', tokenReplaced: '令牌已更换。',
    ownAccountNote: '这是您自己的账号：您不能更改自己的角色，也不能停用它。其他管理员可以。',
    accountGone: '该账号已不存在，请刷新页面。',
  },
};

/** Names for well-known codes the API sends (channels, tiers, statuses); unknown codes are shown as sent. */
const CODES = {
  en: {
    webchat: 'Web chat', telegram: 'Telegram', slack: 'Slack', sms: 'SMS', messenger: 'Messenger', console: 'Console', oos: 'Not understood',
    bronze: 'Bronze', silver: 'Silver', gold: 'Gold', diamond: 'Diamond',
    open: 'Open', pending: 'Pending', resolved: 'Resolved', closed: 'Closed',
    draft: 'Draft', approved: 'Approved', scheduled: 'Scheduled', sending: 'Sending', paused: 'Paused', done: 'Done', cancelled: 'Cancelled',
  },
  'zh-CN': {
    webchat: '网页聊天', telegram: 'Telegram', slack: 'Slack', sms: '短信', messenger: 'Messenger', console: '控制台', oos: '未识别',
    bronze: '铜卡', silver: '银卡', gold: '金卡', diamond: '钻石卡',
    open: '待处理', pending: '等待中', resolved: '已解决', closed: '已关闭',
    draft: '草稿', approved: '已批准', scheduled: '已排期', sending: '发送中', paused: '已暂停', done: '已完成', cancelled: '已取消',
  },
};

export const LOCALES = Object.keys(STRINGS);
const KEY = 'patron.admin.locale';
const listeners = new Set();

function initial() {
  let saved = null;
  try { saved = localStorage.getItem(KEY); } catch { /* storage blocked */ }
  const tag = saved || navigator.language || 'en';
  return String(tag).toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}
let current = initial();

/** The active locale ('en' | 'zh-CN'). */
export const locale = () => current;

/** A UI string with `{name}` placeholders filled from `vars` (values are text, never markup). */
export function t(key, vars) {
  const s = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
}

/** The display name of an API code such as a channel id, tier id or status. */
export const code = (c) => (Object.hasOwn(CODES[current], String(c)) ? CODES[current][c] : String(c ?? ''));

/** Switches language and tells every listener (pages re-label themselves). */
export function setLocale(next) {
  current = next === 'zh-CN' ? 'zh-CN' : 'en';
  try { localStorage.setItem(KEY, current); } catch { /* storage blocked */ }
  document.documentElement.lang = current;
  for (const fn of listeners) fn(current);
}
export const onLocale = (fn) => listeners.add(fn);

/** Numbers, percentages and dates in the active locale. */
export const fmt = {
  num: (n) => new Intl.NumberFormat(current).format(Number(n) || 0),
  pct: (r) => new Intl.NumberFormat(current, { style: 'percent', maximumFractionDigits: 1 }).format(Number(r) || 0),
  money: (n, cur) => {
    try { return new Intl.NumberFormat(current, { style: 'currency', currency: cur || 'USD' }).format(Number(n) || 0); } catch { return `${n} ${cur ?? ''}`; }
  },
  date: (d) => { const x = new Date(d); return Number.isNaN(x.getTime()) ? String(d ?? '') : x.toLocaleString(current); },
  day: (d) => { const x = new Date(d); return Number.isNaN(x.getTime()) ? String(d ?? '') : x.toLocaleDateString(current, { month: 'short', day: 'numeric' }); },
};
