import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_DIR } from '../../../src/core/config.js';
import { postJson, useTestApp } from '../../helpers/app.js';


const app = useTestApp();

/** What the fallback says in either language: a recognised intent must never end there. */
const FALLBACK = /didn't quite get|not sure I understood|still didn't catch|没太明白|没听懂|还是没明白/i;

/** The generic error reply: the flow threw, which is not an answer either. */
const BROKEN = /something went wrong on my side|系统出了点问题/;

/**
 * Intents whose flow is not built yet: listed as to-do until their flow answers. Remove an
 * intent from here as soon as its flow exists.
 */
const PENDING = new Set<string>([]);

/**
 * One typical English and one Chinese phrase per intent, written for this test (not taken from
 * the training files), the way a customer would type it.
 */
const PHRASES: Record<string, { en: string; zh: string }> = {
  cancel_order: { en: 'please cancel the order I placed this morning', zh: '我今天早上下的单请帮我取消' },
  change_order: { en: 'I want to change the size in my order', zh: '我想修改订单里的尺码' },
  change_shipping_address: { en: 'I need to change the delivery address of my order', zh: '我要更改订单的收货地址' },
  check_cancellation_fee: { en: 'is there a fee if I cancel my order?', zh: '取消订单要收费吗' },
  check_invoice: { en: 'can I see the invoice for my last purchase?', zh: '我想查看上次购买的发票' },
  get_invoice: { en: 'please send me an invoice for my order', zh: '请给我开一张发票' },
  check_payment_methods: { en: 'which payment methods do you accept?', zh: '你们支持哪些付款方式' },
  payment_issue: { en: 'my card payment keeps failing at checkout', zh: '结账时我的银行卡一直付款失败' },
  check_refund_policy: { en: 'what is your return and refund policy?', zh: '你们的退款政策是什么' },
  get_refund: { en: 'I want my money back for this jacket', zh: '这件外套不合适，我要申请退款' },
  track_refund: { en: 'where is my refund? it has been two weeks', zh: '我的退款到哪一步了' },
  complaint: { en: 'I want to file a complaint about the service', zh: '我要投诉你们的服务' },
  contact_customer_service: { en: 'how can I reach your customer service team?', zh: '客服的联系方式是什么' },
  contact_human_agent: { en: 'let me speak to a real person please', zh: '请帮我转真人客服' },
  create_account: { en: 'how do I sign up for an account?', zh: '怎么注册一个新账户' },
  delete_account: { en: 'please delete my account and all my data', zh: '请注销我的账户' },
  edit_account: { en: 'how can I update my account details?', zh: '我想修改我的账户资料' },
  switch_account: { en: 'how do I log in with a different account?', zh: '怎么切换到另一个账号' },
  recover_password: { en: 'I forgot my password, how do I reset it?', zh: '我忘记密码了怎么办' },
  registration_problems: { en: "I can't finish signing up, registration keeps failing", zh: '我注册一直失败' },
  delivery_options: { en: 'what shipping options do you have?', zh: '有哪些配送方式可以选' },
  delivery_period: { en: 'how long does shipping usually take?', zh: '一般几天能送到' },
  track_order: { en: 'where is my package right now?', zh: '我的包裹现在到哪里了' },
  newsletter_subscription: { en: 'sign me up for your email newsletter', zh: '我想订阅你们的邮件简报' },
  place_order: { en: 'how do I buy this item?', zh: '我想下单购买这个商品' },
  review: { en: 'I would like to write a review of my purchase', zh: '我想给买的东西写个评价' },
  set_up_shipping_address: { en: 'how do I save a new shipping address to my profile?', zh: '怎么添加一个新的收货地址' },
  greeting: { en: 'good morning!', zh: '早上好' },
  goodbye: { en: 'ok bye, see you later', zh: '好的，再见啦' },
  thanks: { en: 'thanks a lot for your help', zh: '非常感谢你的帮助' },
  help: { en: 'what kind of things can you help me with?', zh: '你能帮我做些什么' },
  product_question: { en: 'do you have this backpack in blue?', zh: '这款背包有蓝色的吗' },
  join_membership: { en: 'I want to become a member of your loyalty club', zh: '我想加入你们的会员' },
  points_balance: { en: 'how many points do I have?', zh: '我现在有多少积分' },
  redeem_points: { en: 'can I use my points for a discount?', zh: '我想用积分兑换优惠' },
  tier_info: { en: 'what are the benefits of the gold tier?', zh: '金卡会员有什么权益' },
  subscribe: { en: 'I want to get your special offers in this chat', zh: '我想在这里收到优惠活动通知' },
  unsubscribe: { en: 'please stop sending me promotions', zh: '别再给我发促销信息了' },
};

const intents = Object.keys(JSON.parse(readFileSync(join(CONFIG_DIR, 'intents', 'en.json'), 'utf8')) as Record<string, string[]>).filter((i) => i !== 'oos');

describe('every intent the classifier knows leads to a real answer', () => {
  it('has a phrase in both languages for every intent in config/intents/en.json', () => {
    expect(intents.filter((i) => !PHRASES[i])).toEqual([]);
  });

  for (const intent of intents) {
    for (const lang of ['en', 'zh'] as const) {
      const text = PHRASES[intent]?.[lang];
      const name = `answers ${intent} in ${lang === 'en' ? 'English' : 'Chinese'}: "${text}"`;
      if (PENDING.has(intent) || !text) {
        it.todo(name);
        continue;
      }
      it(name, async () => {
        // A fresh session each time: no earlier turn, fallback count or hand-off colours the answer.
        const res = await postJson(`${app.url}/chat/messages`, { text });
        expect(res.status).toBe(200);
        const replies = res.body.replies as Array<{ text: string }>;
        expect(replies.length, 'no reply at all').toBeGreaterThan(0);
        for (const reply of replies) {
          expect(reply.text).not.toMatch(FALLBACK);
          expect(reply.text, 'the flow failed').not.toMatch(BROKEN);
        }
      });
    }
  }
});
