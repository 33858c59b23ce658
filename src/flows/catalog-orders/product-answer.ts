import { answerAttribute } from '../../crm/catalog/answer-attribute.js';
import type { Product } from '../../crm/catalog/catalog.types.js';
import type { FlowContext } from '../flow-context.js';
import { endFlow } from '../flow.js';
import { humanButton } from './steps.js';

/** The product facts a customer can ask about, with the ways they say it (English and Chinese). */
const ATTRIBUTES: Array<[string, RegExp]> = [
  ['warranty', /warrant|guarantee|保修|质保|保固|保修期/iu],
  ['returnPolicy', /\breturn|refund|exchange|退货|退换|退款|换货/iu],
  ['shipping', /\bship|shipping|deliver|postage|发货|配送|运费|快递|送货|邮费/iu],
  ['stock', /stock|availab|sold out|\bleft\b|有货|库存|现货|缺货|有没有货|还有吗|卖完/iu],
  ['brand', /\bbrand|who makes|manufacturer|\bmaker\b|品牌|牌子|哪家|厂家/iu],
  ['price', /price|cost|how much|expensive|cheap|discount|\bsale\b|\boff\b|\$|多少钱|价格|价钱|售价|几块|贵|便宜|折扣|优惠|打折/iu],
  ['description', /describe|description|tell me (more )?about|details|specs|features|what is|介绍|描述|详情|是什么|参数|功能/iu],
];

/** Which fact the sentence asks about (canonical key for answerAttribute), or undefined for "tell me about it". */
export function detectAttribute(text: string): string | undefined {
  return ATTRIBUTES.find(([, re]) => re.test(text))?.[0];
}

// Words that carry no product name: question words, fillers and the attribute words above.
const EN_STOP = new Set(
  ('a an the is are was be do does did i me my you your we it its this that these those what whats which who how much many ' +
    'can could would should will want wanted like need have has get got buy order ordering purchase tell show know about ' +
    'please pls hi hello hey there any some one ones of for on in at to with and or price prices cost costs stock available ' +
    'availability warranty guarantee brand shipping delivery return returns refund policy description details product products ' +
    'item items question questions info information thing something sell sold you have left much still currently right now ' +
    'when where why if place make discount sale off cheap expensive hmm hmmm umm huh idk dunno not sure yes yeah nope okay ' +
    'whatever nothing anything thanks thank').split(' '),
);
const ZH_FILLERS = /多少钱|价格|价钱|售价|几块|有货|库存|现货|缺货|有没有货|还有吗|保修期|保修|质保|发货|配送|运费|快递|退货|退换|退款|品牌|牌子|介绍|描述|详情|是什么|参数|折扣|优惠|打折|产品|商品|东西|我想|我要|想要|咨询|请问|一个|一下|这个|那个|有没有|怎么|怎样|如何|下单|购买|买|吗|呢|吧|的|了|是|有|个|多久|多长时间|贵|便宜|问题|关于|你们|我/gu;

/**
 * True when the text names something beyond question words and attribute words, i.e. the
 * customer did name a product (so "nothing found" is the honest answer, not "which product?").
 */
export function namesSomething(text: string): boolean {
  const zh = text.replace(/[A-Za-z0-9'’]+/g, ' ').replace(ZH_FILLERS, '').replace(/[\s\p{P}\p{S}]+/gu, '');
  if (/[\u3400-\u9fff]{2,}/u.test(zh)) return true;
  const words = text.toLowerCase().match(/[a-z][a-z'’-]*/g) ?? [];
  return words.some((w) => w.length >= 3 && !EN_STOP.has(w.replace(/['’]s$/, '').replace(/['’]/g, '')));
}

/** The product's name in the conversation's language. */
export function productName(ctx: FlowContext, p: Product): string {
  return ctx.locale === 'zh-CN' && p.nameZh ? p.nameZh : p.name;
}

/**
 * Answers `attribute` of `product` (price after discount, stock, warranty …); without an
 * attribute, a short overview (price and stock). A fact the catalog does not have is said so,
 * with a person offered.
 */
export function answerProduct(ctx: FlowContext, product: Product, attribute: string | undefined): void {
  if (!attribute || attribute === 'description') {
    const about = answerAttribute(product, 'description', ctx.locale);
    const price = answerAttribute(product, 'price', ctx.locale)!;
    const stock = answerAttribute(product, 'stock', ctx.locale)!;
    const parts = attribute === 'description' && about ? [about.text, price.text] : [price.text, stock.text];
    ctx.reply({ text: parts.join(' '), quickReplies: followUps(ctx, product, attribute) });
    return;
  }
  const answer = answerAttribute(product, attribute, ctx.locale);
  if (!answer) {
    ctx.reply({ text: ctx.t('co.product.no_fact', { product: productName(ctx, product), fact: ctx.t(`co.fact.${attribute}`) }), buttons: [humanButton(ctx)] });
    return;
  }
  ctx.reply({ text: answer.text, quickReplies: followUps(ctx, product, attribute) });
}

// Other questions about the same product, as buttons that answer straight away.
function followUps(ctx: FlowContext, product: Product, asked: string | undefined): { label: string; payload: string }[] {
  return ['price', 'stock', 'warranty', 'returnPolicy']
    .filter((a) => a !== asked && !(asked === undefined && (a === 'price' || a === 'stock')))
    .map((a) => ({ label: ctx.t(`co.fact.${a}`), payload: `sku:${product.sku}:${a}` }));
}

/**
 * A `sku:<SKU>[:<attribute>]` button: answers about that product (the attribute asked before,
 * kept in the flow's data, when the button does not name one).
 */
export async function answerSkuChoice(ctx: FlowContext, value: string, attribute?: string): Promise<boolean> {
  const [sku, asked] = splitSku(value);
  const product = await ctx.services.catalog.get(sku);
  if (!product || !product.active) return false;
  endFlow(ctx);
  answerProduct(ctx, product, asked ?? attribute);
  return true;
}

// SKUs contain dashes but no colon: "PO-AUD-001:warranty" → ["PO-AUD-001", "warranty"].
function splitSku(value: string): [string, string | undefined] {
  const i = value.indexOf(':');
  return i < 0 ? [value, undefined] : [value.slice(0, i), value.slice(i + 1) || undefined];
}
