import { describe, expect, it } from 'vitest';
import { keywordOf } from '../../../src/flows/keywords.js';
import { chooseLocale } from '../../../src/flows/understand.js';
import type { InboundMessage } from '../../../src/core/message.js';

const msg = (text: string, locale?: 'en' | 'zh-CN'): InboundMessage => ({ id: '1', channel: 'webchat', conversation: 'c', sender: { id: 's' }, text, attachments: [], receivedAt: new Date(), locale });

describe('keyword commands', () => {
  it('recognises STOP, START and HELP in English and Chinese as whole messages only', () => {
    expect(keywordOf('STOP')).toBe('stop');
    expect(keywordOf(' unsubscribe ')).toBe('stop');
    expect(keywordOf('退订')).toBe('stop');
    expect(keywordOf('Start!')).toBe('start');
    expect(keywordOf('订阅')).toBe('start');
    expect(keywordOf('帮助')).toBe('help');
    expect(keywordOf('please stop sending me this')).toBeUndefined();
    expect(keywordOf(undefined)).toBeUndefined();
  });
});

describe('choosing the reply language', () => {
  it('follows the script of the text, then the explicit locale wins', () => {
    expect(chooseLocale(msg('你好'), null, 'en')).toBe('zh-CN');
    expect(chooseLocale(msg('hi'), 'zh-CN', 'en')).toBe('en');
    expect(chooseLocale(msg('hi', 'zh-CN'), null, 'en')).toBe('zh-CN');
  });

  it('keeps the previous language for text without letters', () => {
    expect(chooseLocale(msg('👍 123'), 'zh-CN', 'en')).toBe('zh-CN');
    expect(chooseLocale(msg('?'), null, 'en')).toBe('en');
  });
});
