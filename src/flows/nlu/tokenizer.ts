/**
 * Language detection and tokenisation for the intent engine.
 *
 * English goes through natural's aggressive tokenizer and Porter stemmer; Chinese goes through the
 * ICU word segmenter plus raw characters, because segmenters disagree with users on word bounds
 * and character n-grams still match when they do.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// natural's index pulls in storage back-ends that call dotenv; its submodules do not.
const AggressiveTokenizer = require('natural/lib/natural/tokenizers/aggressive_tokenizer.js') as new () => {
  tokenize(text: string): string[];
};
const PorterStemmer = require('natural/lib/natural/stemmers/porter_stemmer.js') as {
  stem(word: string): string;
};

/** Locales the engine can tell apart. */
export type NluLocale = 'en' | 'zh-CN';

/** Tokens of one text, split by script. */
export interface TokenizedText {
  locale: NluLocale;
  /** Lowercased Latin-script words, digits kept, apostrophes dropped ("don't" → "dont"). */
  words: string[];
  /** Porter stems of `words`, same length and order. */
  stems: string[];
  /** Words of the CJK parts, from Intl.Segmenter. */
  zhWords: string[];
  /** CJK characters in order, one string per CJK run. */
  zhRuns: string[];
}

const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff]/;
const CJK_RUN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff]+/g;

/** `zh-CN` when the text holds any CJK character, else `en`. */
export function detectLocale(text: string): NluLocale {
  return CJK.test(text) ? 'zh-CN' : 'en';
}

const latinTokenizer = new AggressiveTokenizer();
const zhSegmenter = new Intl.Segmenter('zh', { granularity: 'word' });
const stemCache = new Map<string, string>();

/** Porter stem with a bounded cache: the same few thousand words recur in every message. */
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = /\d/.test(word) ? word : PorterStemmer.stem(word);
    if (stemCache.size > 50_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** Lowercased English words of a text (digits kept, CJK ignored). */
export function tokenizeEnglish(text: string): string[] {
  const out: string[] = [];
  for (const raw of latinTokenizer.tokenize(text.toLowerCase())) {
    const word = raw.replace(/'/g, '').replace(/^[-/]+|[-/]+$/g, '');
    if (!word) continue;
    // "pt-kb-001" stays one token for SKUs, but "e-mail"/"log-in" also need their parts to match.
    out.push(word);
    if (/[-/]/.test(word) && !/\d/.test(word)) for (const part of word.split(/[-/]+/)) if (part) out.push(part);
  }
  return out;
}

/** Words of the Chinese parts of a text, as the ICU segmenter splits them. */
export function tokenizeChinese(text: string): string[] {
  const out: string[] = [];
  for (const seg of zhSegmenter.segment(text)) {
    if (seg.isWordLike && CJK.test(seg.segment)) out.push(seg.segment);
  }
  return out;
}

/** Splits a text into English words and stems plus Chinese words and character runs. */
export function tokenize(text: string): TokenizedText {
  const normalized = text.normalize('NFKC');
  const words = tokenizeEnglish(normalized);
  const hasCjk = CJK.test(normalized);
  return {
    locale: hasCjk ? 'zh-CN' : 'en',
    words,
    stems: words.map(stem),
    zhWords: hasCjk ? tokenizeChinese(normalized) : [],
    zhRuns: hasCjk ? (normalized.match(CJK_RUN) ?? []) : [],
  };
}
