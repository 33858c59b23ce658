/**
 * Rule-based entity extraction for shop conversations (English and Chinese): order numbers,
 * emails, phones, money amounts, dates and SKUs. Product names are matched against the catalog
 * elsewhere.
 */

/** Entities found in one message; each list is in order of appearance, without duplicates. */
export interface ExtractedEntities {
  orderNumbers: string[];
  emails: string[];
  phones: string[];
  amounts: { value: number; currency?: string }[];
  /** ISO `yyyy-mm-dd`, relative words resolved against `now`. */
  dates: string[];
  skus: string[];
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const SKU = /\b(?:SKU[-\s]?[A-Z0-9]+(?:-[A-Z0-9]+)*|[A-Z]{2,4}(?:-[A-Z0-9]{1,8}){1,3})\b/gi;
const ORDER_PATTERNS = [
  /(?:订单|單號|单号)(?:号|編號|编号)?\s*[:：#]?\s*([A-Za-z]?\d{3,})/g,
  /\border(?:\s+(?:number|no\.?|num|id))?\s*[:#]?\s*([A-Za-z]?\d{3,})\b/gi,
  /#([A-Za-z]?\d{3,})\b/g,
  /\b([A-Za-z]\d{3,})\b/g,
];
const PHONE = /(?<![\w-])\+?\d[\d ().-]{5,}\d(?![\w-])/g;
const ISO_DATE = /\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g;
const SLASH_DATE = /\b(\d{1,2})\/(\d{1,2})(?:\/(\d{2,4}))?\b/g;
const ZH_DATE = /(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]/g;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const NAMED_DATE = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b|\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b/gi;
const RELATIVE: [RegExp, number][] = [
  [/\bday after tomorrow\b|后天/gi, 2],
  [/\btomorrow\b|明天|明日/gi, 1],
  [/\btoday\b|今天|今日/gi, 0],
  [/\byesterday\b|昨天|昨日/gi, -1],
];
const CURRENCY_SYMBOLS: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP', '¥': 'CNY', '￥': 'CNY' };
const CURRENCY_WORDS: Record<string, string> = {
  usd: 'USD', dollar: 'USD', dollars: 'USD', bucks: 'USD', eur: 'EUR', euro: 'EUR', euros: 'EUR', gbp: 'GBP',
  pounds: 'GBP', cny: 'CNY', rmb: 'CNY', yuan: 'CNY', 元: 'CNY', 块: 'CNY', 块钱: 'CNY', jpy: 'JPY', yen: 'JPY',
};
const AMOUNT_PREFIX = /([$€£¥￥])\s?(\d[\d,]*(?:\.\d+)?)/g;
const AMOUNT_SUFFIX = /(\d[\d,]*(?:\.\d+)?)\s?(usd|dollars?|bucks|eur|euros?|gbp|pounds|cny|rmb|yuan|jpy|yen|块钱|元|块)(?![a-z])/gi;

const unique = <T>(items: T[], key: (x: T) => string = String): T[] => {
  const seen = new Set<string>();
  return items.filter((x) => !seen.has(key(x)) && seen.add(key(x)));
};

function iso(year: number, month: number, day: number): string | undefined {
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function addDays(now: Date, days: number): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days);
  return iso(d.getFullYear(), d.getMonth() + 1, d.getDate())!;
}

function findDates(text: string, now: Date): string[] {
  const found: { at: number; date: string | undefined }[] = [];
  const year = now.getFullYear();
  for (const m of text.matchAll(ISO_DATE)) found.push({ at: m.index, date: iso(+m[1], +m[2], +m[3]) });
  for (const m of text.matchAll(SLASH_DATE)) {
    const y = m[3] === undefined ? year : m[3].length === 2 ? 2000 + +m[3] : +m[3];
    // US month/day first; a first number above 12 can only be a day.
    const [month, day] = +m[1] > 12 ? [+m[2], +m[1]] : [+m[1], +m[2]];
    found.push({ at: m.index, date: iso(y, month, day) });
  }
  for (const m of text.matchAll(ZH_DATE)) found.push({ at: m.index, date: iso(m[1] ? +m[1] : year, +m[2], +m[3]) });
  for (const m of text.matchAll(NAMED_DATE)) {
    const month = MONTHS.indexOf((m[1] ?? m[4]).toLowerCase()) + 1;
    found.push({ at: m.index, date: iso(year, month, +(m[2] ?? m[3])) });
  }
  let rest = text;
  for (const [pattern, days] of RELATIVE) {
    rest = rest.replace(pattern, (word, at: number) => {
      found.push({ at, date: addDays(now, days) });
      return ' '.repeat(word.length);
    });
  }
  return unique(found.sort((a, b) => a.at - b.at).flatMap((f) => (f.date ? [f.date] : [])));
}

function findOrderNumbers(text: string): string[] {
  const found: { at: number; value: string }[] = [];
  const taken = new Set<number>();
  for (const pattern of ORDER_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const start = m.index + m[0].lastIndexOf(m[1]);
      if (taken.has(start)) continue;
      taken.add(start);
      found.push({ at: start, value: m[1].toUpperCase() });
    }
  }
  return unique(found.sort((a, b) => a.at - b.at).map((f) => f.value));
}

function findAmounts(text: string): { value: number; currency?: string }[] {
  const found: { at: number; value: number; currency?: string }[] = [];
  for (const m of text.matchAll(AMOUNT_PREFIX)) found.push({ at: m.index, value: parseFloat(m[2].replace(/,/g, '')), currency: CURRENCY_SYMBOLS[m[1]] });
  for (const m of text.matchAll(AMOUNT_SUFFIX)) found.push({ at: m.index, value: parseFloat(m[1].replace(/,/g, '')), currency: CURRENCY_WORDS[m[2].toLowerCase()] });
  return unique(
    found.sort((a, b) => a.at - b.at).map(({ value, currency }) => (currency ? { value, currency } : { value })),
    (a) => `${a.value}${a.currency ?? ''}`,
  );
}

function findPhones(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PHONE)) {
    const digits = m[0].replace(/\D/g, '');
    // Dates and prices look numeric too; a phone has 7–15 digits and no date shape.
    if (digits.length < 7 || digits.length > 15 || /^\d{4}-\d{1,2}-\d{1,2}$/.test(m[0].trim())) continue;
    out.push(m[0].trim());
  }
  return unique(out);
}

/** Extracts shop-relevant entities from a message; `now` anchors "tomorrow", "明天", "11/24". */
export function extractEntities(text: string, now: Date = new Date()): ExtractedEntities {
  const emails = unique(text.match(EMAIL) ?? []);
  const withoutEmails = text.replace(EMAIL, ' ');
  const skus = unique((withoutEmails.match(SKU) ?? []).map((s) => s.toUpperCase()).filter((s) => /\d/.test(s) && !s.startsWith('INV-')));
  const withoutSkus = withoutEmails.replace(SKU, (s) => (/\d/.test(s) ? ' ' : s));
  return {
    orderNumbers: findOrderNumbers(withoutSkus),
    emails,
    phones: findPhones(withoutSkus),
    amounts: findAmounts(withoutSkus),
    dates: findDates(withoutSkus, now),
    skus,
  };
}
