import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FaqBook, faqBook } from '../../../../src/flows/service/faq.config.js';

const dirs: string[] = [];
function configDir(faq: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'patron-faq-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'faq.json'), typeof faq === 'string' ? faq : JSON.stringify(faq));
  return dir;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const entry = (en: string, zh: string) => ({ title: { en: 'T', 'zh-CN': '标题' }, answer: { en, 'zh-CN': zh } });

describe('FAQ configuration', () => {
  it('has an answer in English and Chinese for every FAQ intent, with every placeholder filled', () => {
    const book = faqBook();
    for (const intent of book.intents()) {
      for (const locale of ['en', 'zh-CN'] as const) expect(book.answer(intent, locale)!.text).not.toMatch(/\{\w+\}/);
    }
  });

  it('refuses an answer that uses a setting nobody defined, naming the entry', () => {
    const dir = configDir({ settings: { shopName: 'X' }, entries: { delivery_options: entry('Ask {shopName} at {email}', '问 {shopName}') } });
    expect(() => FaqBook.fromConfig(dir)).toThrow(/entries\.delivery_options uses \{email\}/);
  });

  it('refuses an entry without its Chinese answer', () => {
    const dir = configDir({ settings: {}, entries: { delivery_options: { title: { en: 'T', 'zh-CN': 'T' }, answer: { en: 'Hi' } } } });
    expect(() => FaqBook.fromConfig(dir)).toThrow(/faq\.json: entries\.delivery_options\.answer\.zh-CN/);
  });

  it('refuses a file that is not JSON with a clear message', () => {
    expect(() => FaqBook.fromConfig(configDir('{"settings": '))).toThrow(/faq\.json is not valid JSON/);
  });

  it('fills localized settings in the language asked for', () => {
    const dir = configDir({ settings: { hours: { en: '9 to 5', 'zh-CN': '九点到五点' } }, entries: { contact_customer_service: entry('Open {hours}', '营业时间{hours}') } });
    const book = FaqBook.fromConfig(dir);
    expect(book.answer('contact_customer_service', 'en')!.text).toBe('Open 9 to 5');
    expect(book.answer('contact_customer_service', 'zh-CN')!.text).toBe('营业时间九点到五点');
  });
});
