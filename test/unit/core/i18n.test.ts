import { describe, expect, it } from 'vitest';
import { CONFIG_DIR } from '../../../src/core/config.js';
import { Translator } from '../../../src/core/i18n.js';

describe('reply texts', () => {
  it('has every English reply in Chinese too', () => {
    expect(() => Translator.fromConfig(CONFIG_DIR)).not.toThrow();
  });

  it('fills placeholders and rotates variants', () => {
    const t = new Translator({ en: { hi: ['Hi {name}', 'Hello {name}'] }, 'zh-CN': { hi: '{name}你好' } });
    expect(t.t('en', 'hi', { name: 'Ana' })).toBe('Hi Ana');
    expect(t.t('en', 'hi', { name: 'Ana' })).toBe('Hello Ana');
    expect(t.t('zh-CN', 'hi', { name: '小明' })).toBe('小明你好');
  });

  it('refuses a catalog missing a translation', () => {
    expect(() => new Translator({ en: { a: 'x' }, 'zh-CN': {} })).toThrow(/reply "a" has no zh-CN text/);
  });
});
