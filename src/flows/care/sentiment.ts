import { createRequire } from 'node:module';

/**
 * A small bilingual anger scorer for complaints: strong and mild negative words (English and
 * Chinese), exclamation marks, shouting in capitals, plus natural's AFINN analyser for English.
 * It only ranks urgency; it never decides anything on its own below {@link ANGER_THRESHOLD}.
 */

const require = createRequire(import.meta.url);
type Analyser = { getSentiment(words: string[]): number };
let analyser: Analyser | undefined;

/** natural's AFINN analyser, loaded on the first complaint (~100 ms of start-up saved). */
function afinnAnalyser(): Analyser {
  if (analyser) return analyser;
  // natural's index pulls in storage back-ends that run dotenv; its submodules do not.
  const SentimentAnalyzer = require('natural/lib/natural/sentiment/SentimentAnalyzer.js') as new (language: string, stemmer: unknown, vocabulary: string) => Analyser;
  const PorterStemmer = require('natural/lib/natural/stemmers/porter_stemmer.js') as unknown;
  return (analyser = new SentimentAnalyzer('English', PorterStemmer, 'afinn'));
}

/** At or above this score a person takes over (reason `anger`). */
export const ANGER_THRESHOLD = 0.6;
/** At or above this score the complaint is at least `high` priority. */
export const UPSET_THRESHOLD = 0.3;

const STRONG_EN = /\b(furious|outraged|livid|disgusting|disgusted|garbage|trash|rubbish|scam|scammers?|fraud|ridiculous|unacceptable|worst|pathetic|useless|terrible|horrible|awful|wtf|hate|lawyer|sue|never again|fed up|sick of|joke|incompetent|liars?|angry)\b/gi;
const MILD_EN = /\b(broken|damaged|late|wrong|missing|disappointed|disappointing|bad|poor|slow|problem|issue|not working|defective|cracked|never arrived|still waiting|upset|annoyed|frustrated)\b/gi;
const STRONG_ZH = /垃圾|太差|差评|骗子|骗人|坑人|恶心|气死|愤怒|无语|滚|破玩意|太烂|欺骗|忍无可忍|什么破|退钱|生气|火大|投诉到底|曝光|举报/gu;
const MILD_ZH = /投诉|坏了|破损|太慢|很慢|失望|问题|不好|错了|发错|少了|没收到|质量差|不满|不行|糟糕/gu;
// Shop words that are often written in capitals without shouting.
const ACRONYMS = new Set(['USD', 'EUR', 'GBP', 'CNY', 'RMB', 'SKU', 'UPS', 'DHL', 'USPS', 'OK', 'TV', 'USB', 'VIP', 'FAQ', 'ASAP']);

export interface Sentiment {
  /** 0 (calm) … 1 (furious). */
  score: number;
  /** Strong anger: hand the conversation to a person. */
  angry: boolean;
  /** Clearly unhappy: raise the ticket priority. */
  upset: boolean;
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

function shouting(text: string): number {
  const words = text.match(/\b[A-Z]{3,}\b/g) ?? [];
  return words.filter((w) => !ACRONYMS.has(w)).length;
}

function afinn(text: string): number {
  const words = text.toLowerCase().match(/[a-z']+/g);
  return words?.length ? afinnAnalyser().getSentiment(words) : 0;
}

/** Scores one message. */
export function scoreSentiment(text: string): Sentiment {
  let score = 0;
  score += 0.35 * (count(text, STRONG_EN) + count(text, STRONG_ZH));
  score += 0.12 * (count(text, MILD_EN) + count(text, MILD_ZH));
  const bangs = count(text, /[!！]/gu);
  if (bangs > 1) score += Math.min(0.3, 0.1 * (bangs - 1));
  score += Math.min(0.3, 0.15 * shouting(text));
  const mood = afinn(text);
  if (mood <= -1.5) score += 0.25;
  else if (mood <= -0.5) score += 0.15;
  score = Math.min(1, Math.round(score * 100) / 100);
  return { score, angry: score >= ANGER_THRESHOLD, upset: score >= UPSET_THRESHOLD };
}
