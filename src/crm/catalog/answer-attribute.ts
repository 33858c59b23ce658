import type { Product } from './catalog.types.js';

/** One answered question about a product, with a short sentence in the asked locale. */
export interface AttributeAnswer {
  /** The canonical key answered: price, stock, availability, brand, warranty, … or an attribute's own key. */
  key: string;
  value: unknown;
  text: string;
}

// Ways customers name the well-known facts (English and Chinese) → canonical key.
const ALIASES: Record<string, string> = {
  price: 'price', cost: 'price', howmuch: 'price', 价格: 'price', 多少钱: 'price', 价钱: 'price', 售价: 'price',
  stock: 'stock', instock: 'stock', inventory: 'stock', quantity: 'stock', 库存: 'stock', 有货: 'stock', 现货: 'stock',
  availability: 'availability', available: 'availability', availabilitystatus: 'availability',
  brand: 'brand', maker: 'brand', manufacturer: 'brand', 品牌: 'brand', 牌子: 'brand',
  warranty: 'warranty', warrantyinformation: 'warranty', guarantee: 'warranty', 保修: 'warranty', 质保: 'warranty', 保修期: 'warranty',
  shipping: 'shipping', delivery: 'shipping', shippinginformation: 'shipping', 发货: 'shipping', 配送: 'shipping', 运费: 'shipping', 快递: 'shipping',
  returnpolicy: 'returnPolicy', returns: 'returnPolicy', return: 'returnPolicy', refund: 'returnPolicy', 退货: 'returnPolicy', 退换: 'returnPolicy', 退换货: 'returnPolicy',
  description: 'description', details: 'description', about: 'description', 介绍: 'description', 描述: 'description', 详情: 'description',
  discount: 'discountPercentage', discountpercentage: 'discountPercentage', sale: 'discountPercentage', 折扣: 'discountPercentage', 优惠: 'discountPercentage',
  category: 'category', 类别: 'category', 分类: 'category',
  name: 'name', 名称: 'name',
};

const LABELS: Record<string, [string, string]> = {
  warranty: ['Warranty', '保修'], shipping: ['Shipping', '配送'], returnPolicy: ['Returns', '退货政策'], brand: ['Brand', '品牌'],
  category: ['Category', '类别'], description: ['Description', '介绍'], availability: ['Availability', '供货状态'], name: ['Name', '名称'],
};

const squash = (s: string) => s.toLowerCase().replace(/[\s_\-.]+/g, '');

/**
 * Answers "what is the <attribute> of <product>": price (after any discount), stock/availability,
 * brand, warranty, shipping, returnPolicy, description, or any attribute key by name. Values given
 * per locale (`{"en": …, "zh-CN": …}`) are picked for `locale`. Undefined when the product has no
 * such fact.
 */
export function answerAttribute(product: Product, attribute: string, locale = 'en'): AttributeAnswer | undefined {
  const zh = locale.toLowerCase().startsWith('zh');
  const key = ALIASES[squash(attribute)] ?? ALIASES[attribute.trim()] ?? findAttributeKey(product, attribute);
  if (!key) return undefined;
  const name = zh && product.nameZh ? product.nameZh : product.name;
  switch (key) {
    case 'price':
      return priceAnswer(product, name, locale, zh);
    case 'stock':
      return stockAnswer(product, name, zh);
    case 'availability':
      if (product.attributes.availability === undefined) return stockAnswer(product, name, zh, 'availability');
      break;
    case 'discountPercentage': {
      const d = discountOf(product);
      if (!d) return { key, value: 0, text: zh ? `${name}目前没有折扣。` : `${name} is not discounted right now.` };
      return { key, value: d, text: zh ? `${name}目前优惠 ${d}%。` : `${name} is ${d}% off right now.` };
    }
    case 'brand':
    case 'category':
    case 'name':
      return plain(key, product[key], name, zh);
    case 'description':
      return plain(key, (zh && product.descriptionZh) || product.description, name, zh);
  }
  return plain(key, pick(product.attributes[key], locale), name, zh);
}

function priceAnswer(p: Product, name: string, locale: string, zh: boolean): AttributeAnswer {
  const d = discountOf(p);
  const final = Math.round(p.price * (1 - d / 100) * 100) / 100;
  const fmt = (n: number) => money(n, p.currency, locale);
  const value = { price: p.price, finalPrice: final, discountPercentage: d, currency: p.currency };
  if (!d) return { key: 'price', value, text: zh ? `${name}的价格是 ${fmt(p.price)}。` : `${name} costs ${fmt(p.price)}.` };
  return {
    key: 'price',
    value,
    text: zh ? `${name}现价 ${fmt(final)}（原价 ${fmt(p.price)}，优惠 ${d}%）。` : `${name} costs ${fmt(final)} (${d}% off ${fmt(p.price)}).`,
  };
}

function stockAnswer(p: Product, name: string, zh: boolean, key = 'stock'): AttributeAnswer {
  const status = typeof p.attributes.availability === 'string' ? p.attributes.availability : undefined;
  if (p.stock <= 0) return { key, value: { stock: 0, availability: status ?? 'Out of Stock' }, text: zh ? `${name}暂时缺货。` : `${name} is out of stock right now.` };
  const few = p.stock < 10;
  return {
    key,
    value: { stock: p.stock, availability: status ?? (few ? 'Low Stock' : 'In Stock') },
    text: zh ? `${name}有货${few ? `（仅剩 ${p.stock} 件）` : ''}。` : `${name} is in stock${few ? ` (only ${p.stock} left)` : ''}.`,
  };
}

function plain(key: string, value: unknown, name: string, zh: boolean): AttributeAnswer | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const label = LABELS[key]?.[zh ? 1 : 0] ?? key;
  const shown = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return { key, value, text: zh ? `${name}的${label}：${shown}` : `${label} for ${name}: ${shown}` };
}

function discountOf(p: Product): number {
  const d = Number(p.attributes.discountPercentage ?? 0);
  return Number.isFinite(d) && d > 0 && d <= 100 ? Math.round(d * 100) / 100 : 0;
}

function pick(value: unknown, locale: string): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  const lang = locale.split('-')[0];
  return v[locale] ?? v[lang] ?? Object.entries(v).find(([k]) => k.startsWith(lang))?.[1] ?? v.en ?? value;
}

function findAttributeKey(p: Product, attribute: string): string | undefined {
  const wanted = squash(attribute);
  return Object.keys(p.attributes).find((k) => squash(k) === wanted);
}

function money(n: number, currency: string, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(n);
  } catch {
    return `${n.toFixed(2)} ${currency}`;
  }
}
