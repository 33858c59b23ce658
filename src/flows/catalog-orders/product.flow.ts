import type { Product, SearchHit } from '../../crm/catalog/catalog.types.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow, type Flow } from '../flow.js';
import { answerProduct, answerSkuChoice, detectAttribute, namesSomething, productName } from './product-answer.js';
import { ask, humanButton, resumeSteps, stepData, type StepFlow } from './steps.js';

const NAME = 'product';
/** Buttons offered when several products fit equally well. */
const MAX_CHOICES = 5;

interface ProductData {
  /** The fact asked about (price, stock …), kept while the product is being settled. */
  attribute?: string;
  /** SKUs offered as choices. */
  choices?: string[];
  [key: string]: unknown;
}

/**
 * Searches the catalog for the product named in `text` and answers; several equally good matches
 * become a choice. Returns false when nothing matched.
 */
async function findAndAnswer(ctx: FlowContext, text: string, attribute: string | undefined): Promise<boolean> {
  const hits = await ctx.services.catalog.findProduct(text, ctx.locale);
  if (hits.length === 0) return false;
  if (hits.length === 1) {
    endFlow(ctx);
    answerProduct(ctx, hits[0].product, attribute);
    return true;
  }
  askChoice(ctx, hits.slice(0, MAX_CHOICES).map((h: SearchHit) => h.product), attribute);
  return true;
}

function askChoice(ctx: FlowContext, products: Product[], attribute: string | undefined): void {
  const quickReplies = products.map((p) => ({ label: productName(ctx, p), payload: `sku:${p.sku}` }));
  ask(ctx, NAME, 'choose', { text: ctx.t('co.product.which_one'), quickReplies }, { attribute, choices: products.map((p) => p.sku) });
}

function notFound(ctx: FlowContext): void {
  endFlow(ctx);
  ctx.reply({ text: ctx.t('co.product.not_found'), buttons: [humanButton(ctx)] });
}

/** "How do I order?": the steps in the shop, about a named product when there is one. */
async function placeOrder(ctx: FlowContext, text: string): Promise<void> {
  const hits = text ? await ctx.services.catalog.findProduct(text, ctx.locale) : [];
  if (hits.length === 1) {
    const p = hits[0].product;
    ctx.reply(ctx.t('co.order_howto.product', { product: productName(ctx, p), sku: p.sku }));
    answerProduct(ctx, p, 'stock');
    return;
  }
  ctx.reply({ text: ctx.t('co.order_howto.general'), quickReplies: [{ label: ctx.t('co.button.find_product'), payload: 'intent:product_question' }] });
}

// The answer to "which one?": a button, a number from the list, or words that single one out.
async function chooseAnswer(ctx: FlowContext, data: ProductData): Promise<boolean> {
  const payload = ctx.message.payload;
  if (payload?.startsWith('sku:')) return answerSkuChoice(ctx, payload.slice(4), data.attribute);
  const text = (ctx.message.text ?? '').trim();
  const choices = data.choices ?? [];
  const n = /^(?:#|no\.?\s*|第)?\s*(\d)\s*(?:个)?$/u.exec(text)?.[1];
  if (n && Number(n) >= 1 && Number(n) <= choices.length) return answerSkuChoice(ctx, choices[Number(n) - 1], data.attribute);
  if (!text) return false;
  const hits = await ctx.services.catalog.search(text, { limit: 10, minScore: 0.3 });
  const among = hits.filter((h) => choices.includes(h.product.sku));
  if (among.length === 1 || (among.length > 1 && among[0].score > among[1].score * 1.1)) {
    return answerSkuChoice(ctx, among[0].product.sku, detectAttribute(text) ?? data.attribute);
  }
  // Another product altogether ("no, the headlamp").
  if (namesSomething(text) && hits.length > 0 && among.length === 0) return findAndAnswer(ctx, text, detectAttribute(text) ?? data.attribute);
  return false;
}

async function productAnswer(ctx: FlowContext, data: ProductData): Promise<boolean> {
  const text = (ctx.message.text ?? '').trim();
  if (!text) return false;
  if (await findAndAnswer(ctx, text, detectAttribute(text) ?? data.attribute)) return true;
  if (!namesSomething(text)) return false;
  notFound(ctx);
  return true;
}

const steps: StepFlow = {
  name: NAME,
  async prompt(ctx, step) {
    const data = stepData<ProductData>(ctx);
    if (step === 'choose' && data.choices?.length) {
      const products = (await Promise.all(data.choices.map((sku) => ctx.services.catalog.get(sku)))).filter((p): p is Product => !!p);
      if (products.length > 1) return askChoice(ctx, products, data.attribute);
    }
    ask(ctx, NAME, 'product', ctx.t('co.product.ask_which'), { attribute: data.attribute });
  },
  async answer(ctx, step) {
    const data = stepData<ProductData>(ctx);
    return step === 'choose' ? chooseAnswer(ctx, data) : productAnswer(ctx, data);
  },
};

/**
 * Product questions ("how much is the wireless mouse", "登山杖有货吗"): finds the product (typos,
 * partial names, either language), answers the fact asked (final price after discount, stock,
 * brand, warranty, shipping, returns, description), asks "which one?" when several fit, asks for
 * the product when none is named, and offers a person when nothing matches. Also "how do I order?".
 */
export const productFlow: Flow = {
  name: NAME,
  intents: ['product_question', 'place_order'],
  async start(ctx) {
    endFlow(ctx);
    const text = (ctx.message.text ?? '').trim();
    if (ctx.understanding?.intent === 'place_order') return placeOrder(ctx, text);
    const attribute = detectAttribute(text);
    if (text && (await findAndAnswer(ctx, text, attribute))) return;
    if (text && namesSomething(text)) return notFound(ctx);
    ask(ctx, NAME, 'product', ctx.t('co.product.ask_which'), { attribute });
  },
  resume: (ctx) => resumeSteps(ctx, steps),
};
