/**
 * Sparse TF-IDF features for short chat messages: words, stems, stem bigrams and character
 * n-grams, weighted sublinearly and L2-normalised per block so long messages do not dominate.
 */
import { tokenize } from './tokenizer.js';

/** A sparse vector: parallel arrays of feature indices and values. */
export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

/** Feature blocks; each is normalised on its own and then scaled by its weight. */
const WORD = 0;
const CHAR = 1;

/** Tunables of the feature extractor (the defaults were tuned on CLINC150 val and our phrases). */
export interface FeatureOptions {
  /** Smallest and largest character n-gram length inside a word. */
  charMin: number;
  charMax: number;
  /** Minimum document frequency for character n-grams (words always count from 1). */
  charMinDf: number;
  /** Weight of the character block relative to the word block. */
  charWeight: number;
  /** Also pair each stem with the one two places on ("skip-bigrams"). */
  skipBigrams: boolean;
  /** Character n-grams across word boundaries too (on the space-joined words). */
  charAcrossWords: boolean;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = { charMin: 2, charMax: 4, charMinDf: 2, charWeight: 0.8, skipBigrams: true, charAcrossWords: false };

/** Serialised form of a fitted vectorizer. */
export interface VectorizerJSON {
  options: FeatureOptions;
  terms: string[];
  idf: number[];
}

/** Raw feature strings of a text with their counts. Exported for tests and debugging. */
export function rawFeatures(text: string, opts: FeatureOptions): Map<string, number> {
  const t = tokenize(text);
  const out = new Map<string, number>();
  const add = (key: string): void => {
    out.set(key, (out.get(key) ?? 0) + 1);
  };
  for (const w of t.words) {
    add(`w|${w}`);
    if (/\d/.test(w)) add('w|<num>');
    else addCharGrams(`<${w}>`, opts, add);
  }
  const stems = ['^', ...t.stems.map((s) => (/\d/.test(s) ? '<num>' : s)), '$'];
  for (let i = 1; i < stems.length - 1; i++) add(`s|${stems[i]}`);
  for (let i = 0; i + 1 < stems.length; i++) if (stems.length > 2) add(`b|${stems[i]} ${stems[i + 1]}`);
  if (opts.skipBigrams) for (let i = 0; i + 2 < stems.length; i++) add(`k|${stems[i]} ${stems[i + 2]}`);
  if (opts.charAcrossWords && t.words.length > 1) addCharGrams(` ${t.words.join(' ')} `, opts, add);
  for (const z of t.zhWords) add(`z|${z}`);
  for (const run of t.zhRuns) {
    const chars = [...run];
    for (let i = 0; i < chars.length; i++) {
      add(`c1|${chars[i]}`);
      if (i + 1 < chars.length) add(`c2|${chars[i]}${chars[i + 1]}`);
    }
  }
  return out;
}

function addCharGrams(padded: string, opts: FeatureOptions, add: (key: string) => void): void {
  for (let n = opts.charMin; n <= opts.charMax; n++) {
    for (let i = 0; i + n <= padded.length; i++) add(`c|${padded.slice(i, i + n)}`);
  }
}

function blockOf(key: string): number {
  return key.startsWith('c') ? CHAR : WORD;
}

/** Maps texts to L2-normalised sparse TF-IDF vectors over a vocabulary learned from training texts. */
export class Vectorizer {
  private readonly index = new Map<string, number>();
  private readonly blocks: Uint8Array;

  private constructor(
    readonly options: FeatureOptions,
    private readonly terms: string[],
    private readonly idf: Float32Array,
  ) {
    terms.forEach((term, i) => this.index.set(term, i));
    this.blocks = Uint8Array.from(terms, blockOf);
  }

  /** Number of features. */
  get size(): number {
    return this.terms.length;
  }

  /** Learns the vocabulary and IDF weights from training texts. */
  static fit(texts: string[], options: Partial<FeatureOptions> = {}): Vectorizer {
    const opts = { ...DEFAULT_FEATURE_OPTIONS, ...options };
    const df = new Map<string, number>();
    for (const text of texts) {
      for (const key of rawFeatures(text, opts).keys()) df.set(key, (df.get(key) ?? 0) + 1);
    }
    const terms: string[] = [];
    const idf: number[] = [];
    const n = texts.length;
    for (const [key, count] of df) {
      if (blockOf(key) === CHAR && key.startsWith('c|') && count < opts.charMinDf) continue;
      terms.push(key);
      idf.push(Math.log((1 + n) / (1 + count)) + 1);
    }
    return new Vectorizer(opts, terms, Float32Array.from(idf));
  }

  /** Rebuilds a vectorizer saved with `toJSON`. */
  static fromJSON(data: VectorizerJSON): Vectorizer {
    return new Vectorizer({ ...DEFAULT_FEATURE_OPTIONS, ...data.options }, data.terms, Float32Array.from(data.idf));
  }

  toJSON(): VectorizerJSON {
    return { options: this.options, terms: this.terms, idf: Array.from(this.idf, (x) => Math.fround(x)) };
  }

  /** Sublinear TF × IDF, each block L2-normalised and weighted, then the whole vector normalised. */
  transform(text: string): SparseVector {
    const idx: number[] = [];
    const val: number[] = [];
    const norms = [0, 0];
    for (const [key, count] of rawFeatures(text, this.options)) {
      const i = this.index.get(key);
      if (i === undefined) continue;
      const v = (1 + Math.log(count)) * this.idf[i];
      idx.push(i);
      val.push(v);
      norms[this.blocks[i]] += v * v;
    }
    const scale = [norms[WORD] > 0 ? 1 / Math.sqrt(norms[WORD]) : 0, 0];
    scale[CHAR] = norms[CHAR] > 0 ? this.options.charWeight / Math.sqrt(norms[CHAR]) : 0;
    let total = 0;
    for (let k = 0; k < idx.length; k++) {
      val[k] *= scale[this.blocks[idx[k]]];
      total += val[k] * val[k];
    }
    const inv = total > 0 ? 1 / Math.sqrt(total) : 0;
    return { idx: Int32Array.from(idx), val: Float32Array.from(val, (v) => v * inv) };
  }
}
