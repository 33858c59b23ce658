import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../helpers/app.js';
import { Chat, giveOrder, payloads } from './care-chat.js';


const app = useTestApp({}, {}, 'patron-care-loyalty-');

const chat = () => new Chat(app);

async function member(): Promise<Chat> {
  const c = chat();
  await c.say('hi');
  await app.services.loyalty.enroll(await c.customerId(), { termsAccepted: true });
  return c;
}

async function coupons(c: Chat) {
  return app.services.loyalty.coupons(await c.customerId());
}

describe('joining the membership', () => {
  it('asks for the terms, then separately about marketing; "no" leaves marketing consent off', async () => {
    const c = chat();
    const first = await c.say("I'd like to join your VIP club");
    expect(first.text).toMatch(/Bronze.*\n.*Silver.*\n.*Gold.*\n.*Diamond/);
    expect(first.text).toMatch(/Do you accept these terms\?/);
    expect(payloads(first.replies)).toEqual(expect.arrayContaining(['care:yes', 'care:no']));
    const marketing = await c.say('yes');
    expect(marketing.text).toMatch(/separate question/);
    const welcome = await c.say('no');
    expect(welcome.text).toMatch(/You're a Bronze member.*100 points/);
    expect(welcome.text).toMatch(/won't send you marketing/);
    const customerId = await c.customerId();
    expect(await app.services.loyalty.member(customerId)).toMatchObject({ tier: 'bronze', marketing_opt_in_asked: true });
    expect(await app.services.consent.mayMarket(customerId, 'webchat')).toBe(false);
    expect((await c.say('join the membership')).text).toMatch(/already a member, at the Bronze tier/);
  });

  it('records the marketing opt-in on this channel when the customer says yes, in Chinese', async () => {
    const c = chat();
    const first = await c.say('我想加入会员');
    expect(first.text).toMatch(/铜牌.*\n.*银牌.*\n.*金牌.*\n.*钻石/);
    expect((await c.say('同意')).text).toMatch(/单独的问题/);
    const welcome = await c.say('是');
    expect(welcome.text).toMatch(/您现在是铜牌会员，100 积分/);
    expect(await app.services.consent.mayMarket(await c.customerId(), 'webchat')).toBe(true);
  });

  it('does not enrol on "no" to the terms, goes back on "返回" and abandons on "cancel"', async () => {
    const declined = chat();
    await declined.say('how do I join the loyalty program');
    expect((await declined.say('no')).text).toMatch(/haven't been signed up/);
    expect(await app.services.loyalty.member(await declined.customerId())).toBeUndefined();

    const zh = chat();
    await zh.say('我想加入会员');
    await zh.say('同意');
    expect((await zh.say('返回')).text).toMatch(/您同意这些条款吗/);
    const en = chat();
    await en.say('join the membership');
    expect((await en.say('cancel')).text).toMatch(/nothing was saved/);
    expect(await app.services.loyalty.member(await en.customerId())).toBeUndefined();
  });

  it('explains the tiers to a non-member and shows a member their progress', async () => {
    expect((await chat().say('会员等级有哪些')).text).toMatch(/钻石：一年内消费满 5,000/);
    const c = await member();
    const res = await c.say('what tier am I');
    expect(res.text).toMatch(/Your tier: Bronze\./);
    expect(res.text).toMatch(/Spend 500 more within the year to reach Silver/);
  });
});

describe('points balance', () => {
  it('reports the balance after an order credit, with pending points, tier progress and history on request', async () => {
    const c = await member();
    const customerId = await c.customerId();
    await giveOrder(app, customerId, { id: 'CARE-8001', total: 120, daysAgo: 40 });
    await giveOrder(app, customerId, { id: 'CARE-8002', total: 50, daysAgo: 1 });
    const balance = await app.services.loyalty.balance(customerId);
    const res = await c.say('how many points do I have');
    expect(res.text).toContain(`You have ${balance.total} points, of which ${balance.available} are ready to use.`);
    expect(res.text).toMatch(/50 points are pending/);
    expect(res.text).toMatch(/Your tier: Bronze\. Spend|Your tier: Bronze\.\nSpend 330 more/);
    const history = await c.say('history');
    expect(history.text).toMatch(/latest points activity/);
    expect(history.text).toMatch(/\+120\s+order CARE-8001/);
    expect(history.text).toMatch(/\+100\s+welcome bonus/);
  });

  it('answers in Chinese and shows the 明细', async () => {
    const c = await member();
    const res = await c.say('我有多少积分');
    expect(res.text).toMatch(/您共有 100 积分，其中 100 积分现在可以使用/);
    expect((await c.say('明细')).text).toMatch(/\+100\s+入会礼/);
  });

  it('offers membership to a non-member', async () => {
    const res = await chat().say('how many points do I have');
    expect(res.text).toMatch(/not a member yet/);
    expect(payloads(res.replies)).toContain('intent:join_membership');
  });
});

describe('redeeming points', () => {
  it('lists affordable rewards, confirms and shows one coupon code even when the confirmation is delivered twice', async () => {
    const c = await member();
    await giveOrder(app, await c.customerId(), { id: 'CARE-9001', total: 150, daysAgo: 45 });
    const list = await c.say('redeem my points');
    expect(payloads(list.replies)).toEqual(expect.arrayContaining(['reward:free-shipping']));
    expect(payloads(list.replies)).not.toContain('reward:coupon-10pct');
    expect((await c.press('reward:free-shipping')).text).toMatch(/Redeem Free shipping on one order for 300 points\?/);
    const done = await c.say('yes', { clientMessageId: 'care-redeem-1' });
    expect(done.text).toMatch(/coupon code is PTR-[0-9A-Z-]+/);
    const again = await c.say('yes', { clientMessageId: 'care-redeem-1' });
    expect(again.text).toBe(done.text);
    expect(await coupons(c)).toHaveLength(1);
  });

  it('redeems in Chinese by list number', async () => {
    const c = await member();
    await giveOrder(app, await c.customerId(), { id: 'CARE-9002', total: 500, daysAgo: 45 });
    const list = await c.say('积分兑换');
    expect(list.text).toMatch(/您有 \d+ 积分可以使用/);
    expect((await c.say('1')).text).toMatch(/确定用 300 积分兑换单笔订单免运费吗/);
    expect((await c.say('是')).text).toMatch(/优惠码是 PTR-/);
    expect(await coupons(c)).toHaveLength(1);
  });

  it('says how many points are missing when nothing is affordable', async () => {
    const c = await member();
    const res = await c.say('redeem my points');
    expect(res.text).toMatch(/needs 300 points and you have 100 ready to use, so you're 200 points short/);
    expect(await coupons(c)).toHaveLength(0);
    const zh = await member();
    expect((await zh.say('我想用积分换优惠券')).text).toMatch(/还差 200 积分/);
  });

  it('offers to join when a non-member asks to redeem', async () => {
    const res = await chat().say('redeem my points');
    expect(res.text).toMatch(/Rewards are for members/);
    expect(payloads(res.replies)).toContain('intent:join_membership');
  });
});
