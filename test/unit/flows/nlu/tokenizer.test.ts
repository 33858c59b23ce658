import { describe, expect, it } from 'vitest';
import { detectLocale, tokenize, tokenizeChinese, tokenizeEnglish } from '../../../../src/flows/nlu/tokenizer.js';
import { rawFeatures, DEFAULT_FEATURE_OPTIONS } from '../../../../src/flows/nlu/features.js';

describe('tokenizer', () => {
  it('lowercases English, keeps digits and drops apostrophes', () => {
    expect(tokenizeEnglish("I DON'T see order A1023!")).toEqual(['i', 'dont', 'see', 'order', 'a1023']);
  });

  it('stems English words with the Porter stemmer', () => {
    const t = tokenize('Cancelling my invoices');
    expect(t.locale).toBe('en');
    expect(t.stems).toEqual(['cancel', 'my', 'invoic']);
  });

  it('keeps SKU-like hyphenated tokens whole and splits hyphenated words', () => {
    expect(tokenizeEnglish('is PT-KB-001 an e-mail thing')).toEqual(['is', 'pt-kb-001', 'an', 'e-mail', 'e', 'mail', 'thing']);
  });

  it('segments Chinese into words with Intl.Segmenter', () => {
    expect(tokenizeChinese('我想取消订单')).toEqual(expect.arrayContaining(['取消', '订单']));
  });

  it('adds Chinese character unigrams and bigrams as features', () => {
    const features = rawFeatures('取消订单', DEFAULT_FEATURE_OPTIONS);
    expect(features.has('c1|取')).toBe(true);
    expect(features.has('c2|订单')).toBe(true);
    expect(features.has('z|取消')).toBe(true);
  });

  it('detects Chinese by CJK characters and English otherwise', () => {
    expect(detectLocale('我的订单到哪了')).toBe('zh-CN');
    expect(detectLocale('order A1023 订单')).toBe('zh-CN');
    expect(detectLocale('where is my order')).toBe('en');
    expect(detectLocale('')).toBe('en');
  });
});
