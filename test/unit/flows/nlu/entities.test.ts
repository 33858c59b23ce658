import { describe, expect, it } from 'vitest';
import { extractEntities } from '../../../../src/flows/nlu/entities.js';

const now = new Date(2026, 10, 20); // 20 November 2026, local time

describe('extractEntities', () => {
  it('finds order numbers written as A1023, #1024, order 1025 and 订单1026', () => {
    expect(extractEntities('A1023 and #1024, also order 1025', now).orderNumbers).toEqual(['A1023', '1024', '1025']);
    expect(extractEntities('我的订单1026还没到', now).orderNumbers).toEqual(['1026']);
    expect(extractEntities('订单号：B7731', now).orderNumbers).toEqual(['B7731']);
  });

  it('finds emails and phone numbers but not dates as phones', () => {
    const e = extractEntities('mail jo.doe@example.com or call +1 (555) 123-4567 before 2026-11-24', now);
    expect(e.emails).toEqual(['jo.doe@example.com']);
    expect(e.phones).toEqual(['+1 (555) 123-4567']);
    expect(extractEntities('我的手机13812345678', now).phones).toEqual(['13812345678']);
  });

  it('finds amounts with their currency', () => {
    expect(extractEntities('it was $25.50 not 30 EUR', now).amounts).toEqual([
      { value: 25.5, currency: 'USD' },
      { value: 30, currency: 'EUR' },
    ]);
    expect(extractEntities('运费¥30，总共120元', now).amounts).toEqual([
      { value: 30, currency: 'CNY' },
      { value: 120, currency: 'CNY' },
    ]);
  });

  it('resolves ISO, slash, Chinese and relative dates to ISO strings', () => {
    expect(extractEntities('by 2026-12-01 or 11/24', now).dates).toEqual(['2026-12-01', '2026-11-24']);
    expect(extractEntities('can it come tomorrow?', now).dates).toEqual(['2026-11-21']);
    expect(extractEntities('明天或者12月3日', now).dates).toEqual(['2026-11-21', '2026-12-03']);
    expect(extractEntities('on 2026-02-30', now).dates).toEqual([]);
  });

  it('finds SKUs and does not mistake them for order numbers', () => {
    const e = extractEntities('is SKU-123 or pt-kb-001 in stock?', now);
    expect(e.skus).toEqual(['SKU-123', 'PT-KB-001']);
    expect(e.orderNumbers).toEqual([]);
  });

  it('returns empty lists for a message without entities', () => {
    expect(extractEntities('hello there', now)).toEqual({ orderNumbers: [], emails: [], phones: [], amounts: [], dates: [], skus: [] });
  });
});
