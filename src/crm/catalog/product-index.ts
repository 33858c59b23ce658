import { analyze, wordSimilarity } from './search-text.js';
import type { MatchField, Product, SearchHit, SearchOptions } from './catalog.types.js';

/** How much a match in each field counts toward explaining a query word. */
const FIELD_WEIGHT: Record<MatchField, number> = {
  sku: 1, name: 1, nameZh: 1, brand: 0.9, category: 0.8, tags: 0.75, attributes: 0.6, description: 0.3,
};
const FIELDS = Object.keys(FIELD_WEIGHT) as MatchField[];
const MIN_SIMILARITY = 0.6;
// A query word that matches nothing in the catalog still counts a little, so chatter lowers a score.
const UNKNOWN_WORD_WEIGHT = 0.3;

interface Doc {
  product: Product;
  fields: Map<MatchField, Set<string>>;
  /** Name tokens (per language) whose coverage by the query says "this is the product asked about". */
  nameTokens: Set<string>[];
}

/**
 * An in-memory inverted index over the catalog: a search walks a few posting lists and costs no SQL.
 * Products are few thousand at most, so the vocabulary scan for fuzzy matches stays cheap.
 */
export class ProductIndex {
  private readonly docs = new Map<string, Doc>();
  private readonly postings = new Map<string, Set<string>>();
  private vocabulary: string[] | null = null;

  get size(): number {
    return this.docs.size;
  }

  /** Replaces the whole index. */
  load(products: Product[]): void {
    this.docs.clear();
    this.postings.clear();
    this.vocabulary = null;
    for (const p of products) this.put(p);
  }

  /** Adds or replaces one product. */
  put(product: Product): void {
    this.remove(product.sku);
    const doc = buildDoc(product);
    this.docs.set(product.sku, doc);
    for (const tokens of doc.fields.values()) {
      for (const t of tokens) {
        let set = this.postings.get(t);
        if (!set) {
          set = new Set();
          this.postings.set(t, set);
          this.vocabulary = null;
        }
        set.add(product.sku);
      }
    }
  }

  remove(sku: string): void {
    const doc = this.docs.get(sku);
    if (!doc) return;
    this.docs.delete(sku);
    for (const tokens of doc.fields.values()) {
      for (const t of tokens) {
        const set = this.postings.get(t);
        set?.delete(sku);
        if (set && set.size === 0) {
          this.postings.delete(t);
          this.vocabulary = null;
        }
      }
    }
  }

  get(sku: string): Product | undefined {
    return this.docs.get(sku)?.product;
  }

  /** Ranked hits for free text (English or Chinese, typos and partial names allowed). */
  search(text: string, options: SearchOptions = {}): SearchHit[] {
    const limit = options.limit ?? 10;
    const minScore = options.minScore ?? 0.3;
    const exact = this.docs.get(text.trim()) ?? [...this.docs.values()].find((d) => d.product.sku.toLowerCase() === text.trim().toLowerCase());
    const query = analyze(text, true);
    const terms = this.expand(query);
    const hits: SearchHit[] = [];
    for (const sku of this.candidates(terms)) {
      const doc = this.docs.get(sku)!;
      if (!this.passes(doc.product, options)) continue;
      const hit = this.score(doc, terms);
      if (hit.score >= minScore) hits.push(hit);
    }
    if (exact && this.passes(exact.product, options)) {
      const i = hits.findIndex((h) => h.product.sku === exact.product.sku);
      if (i >= 0) hits.splice(i, 1);
      hits.push({ product: exact.product, score: 1, matchedOn: ['sku'] });
    }
    hits.sort((a, b) => b.score - a.score || a.product.name.length - b.product.name.length || a.product.sku.localeCompare(b.product.sku));
    return hits.slice(0, limit);
  }

  private passes(p: Product, o: SearchOptions): boolean {
    if (!o.includeInactive && !p.active) return false;
    if (o.category && p.category?.toLowerCase() !== o.category.toLowerCase()) return false;
    if (o.brand && p.brand?.toLowerCase() !== o.brand.toLowerCase()) return false;
    return true;
  }

  /** Each query term with the indexed tokens it matches (and how well) and its weight. */
  private expand(query: { words: string[]; han: string[] }): Term[] {
    const vocabulary = (this.vocabulary ??= [...this.postings.keys()]);
    const n = Math.max(this.docs.size, 1);
    const terms: Term[] = [];
    const add = (matches: Map<string, number>) => {
      let weight = UNKNOWN_WORD_WEIGHT;
      for (const t of matches.keys()) weight = Math.max(weight, idf(n, this.postings.get(t)!.size));
      terms.push({ matches, weight });
    };
    for (const q of query.words) {
      const matches = new Map<string, number>();
      for (const t of vocabulary) {
        const s = wordSimilarity(q, t);
        if (s >= MIN_SIMILARITY) matches.set(t, s);
      }
      add(matches);
    }
    for (const h of query.han) add(this.postings.has(h) ? new Map([[h, 1]]) : new Map());
    return terms;
  }

  private candidates(terms: Term[]): Set<string> {
    const out = new Set<string>();
    for (const term of terms) for (const t of term.matches.keys()) for (const sku of this.postings.get(t)!) out.add(sku);
    return out;
  }

  private score(doc: Doc, terms: Term[]): SearchHit {
    const matched = new Set<MatchField>();
    let explained = 0;
    let total = 0;
    const best = new Map<string, number>();
    for (const term of terms) {
      total += term.weight;
      let top = 0;
      let topField: MatchField | undefined;
      for (const field of FIELDS) {
        const tokens = doc.fields.get(field);
        if (!tokens) continue;
        for (const [t, s] of term.matches) {
          if (!tokens.has(t)) continue;
          const v = s * FIELD_WEIGHT[field];
          if (v > top) [top, topField] = [v, field];
          best.set(t, Math.max(best.get(t) ?? 0, s));
        }
      }
      if (topField) matched.add(topField);
      explained += term.weight * top;
    }
    const queryScore = total ? explained / total : 0;
    const n = Math.max(this.docs.size, 1);
    let coverage = 0;
    for (const tokens of doc.nameTokens) {
      let got = 0;
      let all = 0;
      for (const t of tokens) {
        const w = idf(n, this.postings.get(t)?.size ?? 1);
        all += w;
        got += w * (best.get(t) ?? 0);
      }
      if (all) coverage = Math.max(coverage, got / all);
    }
    const score = queryScore === 0 ? 0 : 0.55 * queryScore + 0.45 * coverage;
    return { product: doc.product, score: Math.round(score * 1000) / 1000, matchedOn: FIELDS.filter((f) => matched.has(f)) };
  }
}

interface Term {
  matches: Map<string, number>;
  weight: number;
}

function idf(n: number, df: number): number {
  return Math.log(1 + n / df);
}

function buildDoc(p: Product): Doc {
  const fields = new Map<MatchField, Set<string>>();
  const put = (field: MatchField, text: string | null | undefined) => {
    if (!text) return;
    const a = analyze(text, true);
    const set = fields.get(field) ?? new Set<string>();
    for (const t of [...a.words, ...a.han]) set.add(t);
    if (set.size) fields.set(field, set);
  };
  put('name', p.name);
  put('nameZh', p.nameZh);
  put('brand', p.brand);
  put('category', p.category);
  put('tags', p.tags.join(' '));
  put('attributes', attributeText(p.attributes));
  put('description', [p.description, p.descriptionZh].filter(Boolean).join(' '));
  const nameTokens = [fields.get('name'), fields.get('nameZh')].filter((s): s is Set<string> => !!s);
  return { product: p, fields, nameTokens };
}

function attributeText(attrs: Record<string, unknown>): string {
  const parts: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') parts.push(v);
    else if (typeof v === 'object' && v) for (const x of Object.values(v)) walk(x);
  };
  for (const [key, value] of Object.entries(attrs)) {
    // Numbers (discounts, weights) are answered by attribute name, not searched for.
    if (key !== 'discountPercentage') walk(value);
  }
  return parts.join(' ');
}
