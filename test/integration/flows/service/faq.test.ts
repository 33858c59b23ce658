import { describe, expect, it } from 'vitest';
import type { Locale } from '../../../../src/core/message.js';
import { faqBook } from '../../../../src/flows/service/faq.config.js';
import { useTestApp } from '../../../helpers/app.js';
import { FALLBACK_TEXT, payloads, Visitor } from './chat.js';


const app = useTestApp();

const book = faqBook();

/** A customer question per FAQ intent and language, and the follow-up the answer must offer. */
const QUESTIONS: Array<{ intent: string; en: string; zh: string; offers: string }> = [
  { intent: 'check_payment_methods', en: 'can I pay with PayPal or a credit card?', zh: '可以用什么方式付款？', offers: 'intent:check_refund_policy' },
  { intent: 'delivery_options', en: 'which delivery methods can I choose from?', zh: '你们有哪些配送选项', offers: 'intent:set_up_shipping_address' },
  { intent: 'check_refund_policy', en: 'how many days do I have to return something?', zh: '请问退货退款政策是怎样的', offers: 'intent:contact_customer_service' },
  { intent: 'contact_customer_service', en: 'what are your customer service hours?', zh: '客服几点上班', offers: 'intent:contact_human_agent' },
  { intent: 'create_account', en: 'I want to open an account with you', zh: '我想注册一个账户', offers: 'intent:registration_problems' },
  { intent: 'edit_account', en: 'how do I change the email on my account?', zh: '怎么修改账户信息', offers: 'intent:recover_password' },
  { intent: 'recover_password', en: "I can't remember my password", zh: '密码忘了怎么找回', offers: 'intent:registration_problems' },
  { intent: 'registration_problems', en: 'the sign up form gives me an error', zh: '注册的时候出错了', offers: 'intent:contact_human_agent' },
  { intent: 'switch_account', en: 'how can I change to my other account?', zh: '我想换一个账号登录', offers: 'intent:recover_password' },
  { intent: 'set_up_shipping_address', en: 'I want to add a second delivery address', zh: '我想添加一个收货地址', offers: 'intent:delivery_options' },
];

describe('FAQ answers through the web chat', () => {
  for (const q of QUESTIONS) {
    for (const [locale, text] of [['en', q.en], ['zh-CN', q.zh]] as Array<[Locale, string]>) {
      it(`answers "${text}" with the ${q.intent} entry from config/faq.json in ${locale}`, async () => {
        const visitor = new Visitor(app);
        const [reply, ...rest] = await visitor.say(text);
        expect(rest).toEqual([]);
        expect(reply.text).not.toMatch(FALLBACK_TEXT);
        expect(reply.text).toBe(book.answer(q.intent, locale)!.text);
        expect(payloads(reply)).toContain(q.offers);
        // The follow-up quick replies are labelled in the customer's language.
        if (locale === 'zh-CN') expect(reply.quickReplies!.map((r) => r.label).join('')).toMatch(/[\u4e00-\u9fff]/u);
      });
    }
  }

  it('fills the shop settings into the contact answer: hours, phone and e-mail', async () => {
    const [reply] = await new Visitor(app).say('how do I get in touch with customer service?');
    expect(reply.text).toContain(book.setting('supportEmail', 'en')!);
    expect(reply.text).toContain(book.setting('hours', 'en')!);
    expect(reply.text).toContain(book.setting('supportPhone', 'en')!);
    expect(reply.text).not.toMatch(/\{\w+\}/);
    const [zh] = await new Visitor(app).say('怎么联系你们的客服');
    expect(zh.text).toContain(book.setting('hours', 'zh-CN')!);
  });

  it('hands the customer to a person when they press the offered button after the contact answer', async () => {
    const visitor = new Visitor(app);
    const [reply] = await visitor.say('how can I contact customer support?');
    const [queued] = await visitor.press(reply, 'intent:contact_human_agent');
    expect(queued.text).toMatch(/colleague/);
    expect((await visitor.conversation())?.owner).toBe('queue');
  });

  it('answers the follow-up question when its quick reply is pressed', async () => {
    const visitor = new Visitor(app);
    const [reply] = await visitor.say('what payment options are there?');
    const [next] = await visitor.press(reply, 'intent:check_refund_policy');
    expect(next.text).toBe(book.answer('check_refund_policy', 'en')!.text);
  });

  it('links to the account page with a URL button for account questions', async () => {
    const [reply] = await new Visitor(app).say('I forgot my password');
    expect(reply.buttons?.[0]?.url).toBe(book.setting('passwordResetUrl', 'en'));
  });

  it('keeps general delivery-time and cancellation-fee answers ready for the order flow', () => {
    for (const intent of ['delivery_period', 'check_cancellation_fee']) {
      for (const locale of ['en', 'zh-CN'] as Locale[]) expect(book.answer(intent, locale)?.text).toMatch(/\S{10}/);
    }
  });
});
