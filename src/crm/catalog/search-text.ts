/**
 * Text analysis for product search: English words (lowercased, lightly stemmed) and Chinese
 * (Intl.Segmenter words plus character bigrams, since the segmenter splits unknown product words
 * like 鼠标 into single characters). Conversational filler ("how much is", "多少钱") is dropped.
 */

const EN_STOP = new Set(
  ('a an the is are was be do does did you your we our i me my it its this that these those of for to in on at by with and or ' +
    'how much many what which where when who whats price prices cost costs costing sell sells selling have has got any some ' +
    'please pls tell show find looking look want need buy get can could would like about there here is it in stock available ' +
    'hi hello hey thanks thank s much much? info information details detail').split(/\s+/),
);

// Filler phrases removed from Chinese runs before bigramming (longest first).
const ZH_STOP = [
  '多少钱', '多少', '价格', '价钱', '请问', '有没有', '没有', '怎么样', '怎么', '什么', '这个', '那个', '一下', '我想', '我要', '想要',
  '可以', '能不能', '是否', '还有', '库存', '的', '吗', '呢', '吧', '啊', '了', '有', '要', '买', '钱', '卖', '我', '你', '们', '个', '款', '件',
];

const IRREGULAR: Record<string, string> = { mice: 'mouse', men: 'man', women: 'woman', children: 'child', feet: 'foot', teeth: 'tooth', knives: 'knife', leaves: 'leaf' };

const HAN = /\p{Script=Han}/u;
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** A light English stemmer: plurals and a few suffixes, enough to match "mice"/"mouse", "shoes"/"shoe". */
export function stem(word: string): string {
  const w = word.toLowerCase();
  if (IRREGULAR[w]) return IRREGULAR[w];
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'y';
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (/(ches|shes|xes|zes)$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('ss') || w.endsWith('us') || w.endsWith('is')) return w;
  if (w.endsWith('s')) return w.slice(0, -1);
  return w;
}

export interface Analyzed {
  /** Latin/number tokens, stemmed. */
  words: string[];
  /** Chinese tokens: segmenter words (2+ chars), character bigrams, and lone characters. */
  han: string[];
}

/** Splits text into searchable tokens; `query` drops conversational filler. */
export function analyze(text: string, query = false): Analyzed {
  const words: string[] = [];
  const han: string[] = [];
  const lower = text.normalize('NFKC').toLowerCase();
  for (const part of lower.split(/(\p{Script=Han}+)/u)) {
    if (!part) continue;
    if (HAN.test(part)) analyzeHan(part, query, han);
    else {
      for (const raw of part.split(/[^\p{L}\p{N}]+/u)) {
        if (!raw || (query && EN_STOP.has(raw))) continue;
        words.push(stem(raw));
      }
      // "t-shirt" / "wi-fi" also match as one word.
      for (const m of part.matchAll(/[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)+/gu)) words.push(stem(m[0].replace(/-/g, '')));
    }
  }
  return { words: dedupe(words), han: dedupe(han) };
}

function analyzeHan(run: string, query: boolean, out: string[]): void {
  // Runs of characters that survive filler removal; bigrams never cross a removed word.
  const runs: string[] = [];
  let current = '';
  for (const { segment } of segmenter.segment(run)) {
    if (query && ZH_STOP.includes(segment)) {
      if (current) runs.push(current);
      current = '';
      continue;
    }
    if (segment.length >= 2) out.push(segment);
    current += segment;
  }
  if (current) runs.push(current);
  for (const r of runs) {
    const chars = [...r];
    if (chars.length === 1) out.push(chars[0]);
    for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
  }
}

function dedupe(a: string[]): string[] {
  return [...new Set(a)];
}

/**
 * Similarity of a query word to an indexed word, 0..1: exact 1, prefix (a partial word) 0.85,
 * otherwise by Damerau edit distance within a budget that grows with length (typos).
 */
export function wordSimilarity(q: string, t: string): number {
  if (q === t) return 1;
  if (/^\d+$/.test(q) || /^\d+$/.test(t)) return 0;
  if (q.length >= 3 && t.startsWith(q)) return 0.7 + 0.2 * (q.length / t.length);
  if (t.length >= 4 && q.startsWith(t) && q.length - t.length <= 2) return 0.8;
  const budget = q.length <= 3 ? 0 : q.length <= 5 ? 1 : 2;
  if (budget === 0 || Math.abs(q.length - t.length) > budget) return 0;
  // Each edit adds or removes at most one distinct letter: a cheap filter before the DP.
  const mq = letterMask(q);
  const mt = letterMask(t);
  if (popcount(mq & ~mt) > budget || popcount(mt & ~mq) > budget) return 0;
  const d = editDistance(q, t, budget);
  if (d > budget) return 0;
  return 0.92 - (0.5 * d) / Math.max(q.length, t.length);
}

const masks = new Map<string, number>();

function letterMask(w: string): number {
  let m = masks.get(w);
  if (m !== undefined) return m;
  m = 0;
  for (let i = 0; i < w.length; i++) m |= 1 << (w.charCodeAt(i) % 31);
  if (masks.size > 200_000) masks.clear();
  masks.set(w, m);
  return m;
}

function popcount(x: number): number {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
}

let rows: Int32Array[] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/** Optimal-string-alignment distance, giving up (returning max + 1) once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  const n = a.length;
  const m = b.length;
  if (rows[0].length <= m) rows = [new Int32Array(m + 1), new Int32Array(m + 1), new Int32Array(m + 1)];
  let [prev2, prev, cur] = rows;
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m];
}
