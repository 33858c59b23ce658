import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../helpers/app.js';
import { FALLBACK_TEXT, payloads, Visitor } from './chat.js';


const app = useTestApp();

const mayMarketHere = async (v: Visitor) => app.services.consent.mayMessage(await v.customerId(), 'webchat', 'marketing');
const mayEmail = async (v: Visitor) => app.services.consent.mayMarket(await v.customerId(), 'email');

describe('subscribing to offers in this chat', () => {
  it('asks before subscribing and records the opt-in only after "yes" (English)', async () => {
    const v = new Visitor(app);
    const [ask] = await v.say("I'd like to receive deals and offers here");
    expect(ask.text).toMatch(/news and offers.*STOP/);
    expect(payloads(ask)).toEqual(['service:subscribe:yes', 'service:subscribe:no']);
    expect(await mayMarketHere(v)).toBe(false);
    const [done] = await v.press(ask, 'service:subscribe:yes');
    expect(done.text).toMatch(/You're in/);
    expect(await mayMarketHere(v)).toBe(true);
    const history = await app.services.consent.history(await v.customerId());
    expect(history.at(-1)).toMatchObject({ channel: 'webchat', purpose: 'marketing', granted: true, source: 'keyword' });
  });

  it('asks in Chinese and accepts a typed 好的', async () => {
    const v = new Visitor(app);
    const [ask] = await v.say('我想在这里接收促销消息');
    expect(ask.text).toMatch(/优惠消息/);
    expect(await mayMarketHere(v)).toBe(false);
    const [done] = await v.say('好的');
    expect(done.text).toMatch(/订阅成功/);
    expect(await mayMarketHere(v)).toBe(true);
  });

  it('records nothing when the customer says no', async () => {
    const v = new Visitor(app);
    const [ask] = await v.say('can I get your special offers in this chat?');
    const [declined] = await v.press(ask, 'service:subscribe:no');
    expect(declined.text).toMatch(/haven't signed you up/);
    expect(await app.services.consent.history(await v.customerId())).toEqual([]);
    const [zhAsk] = await v.say('我想在这里收到优惠活动通知');
    const [zhDeclined] = await v.press(zhAsk, 'service:subscribe:no');
    expect(zhDeclined.text).toMatch(/没有为您订阅/);
    expect(await mayMarketHere(v)).toBe(false);
  });

  it('records one opt-in when the confirming message is delivered twice', async () => {
    const v = new Visitor(app);
    await v.say('I want to get promotions in this chat');
    await v.say({ text: 'yes', clientMessageId: 'confirm-1' });
    await v.say({ text: 'yes', clientMessageId: 'confirm-1' });
    expect((await app.services.consent.history(await v.customerId())).filter((r: { granted: boolean }) => r.granted)).toHaveLength(1);
  });

  it('moves on when the customer changes the subject instead of answering', async () => {
    const v = new Visitor(app);
    await v.say('I want to get promotions in this chat');
    const [answer] = await v.say('which payment methods do you accept?');
    expect(answer.text).toMatch(/PayPal/);
    expect(await mayMarketHere(v)).toBe(false);
    expect((await v.conversation())?.state).not.toHaveProperty('flow');
  });
});

describe('unsubscribing from offers in this chat', () => {
  it('withdraws at once and says so (English)', async () => {
    const v = new Visitor(app);
    const [ask] = await v.say('I want to get promotions in this chat');
    await v.press(ask, 'service:subscribe:yes');
    expect(await mayMarketHere(v)).toBe(true);
    const [done] = await v.say('please stop sending me promotions');
    expect(done.text).toMatch(/won't send you any more marketing/);
    expect(await mayMarketHere(v)).toBe(false);
  });

  it('withdraws at once in Chinese, even when the classifier hears "subscribe"', async () => {
    const v = new Visitor(app);
    await v.say('START');
    expect(await mayMarketHere(v)).toBe(true);
    const [done] = await v.say('不想再收到优惠信息了');
    expect(done.text).toMatch(/已为您退订/);
    expect(await mayMarketHere(v)).toBe(false);
    await v.say('START');
    const [again] = await v.say('别再给我发促销信息了');
    expect(again.text).toMatch(/已为您退订/);
    expect(await mayMarketHere(v)).toBe(false);
  });

  it('asks before acting on a bare "no" that has nothing to answer', async () => {
    const v = new Visitor(app);
    await v.say('START');
    const [ask] = await v.say('no');
    expect(ask.text).not.toMatch(FALLBACK_TEXT);
    expect(await mayMarketHere(v)).toBe(true);
    const [done] = await v.press(ask, 'service:unsubscribe:yes');
    expect(done.text).toMatch(/won't send/);
    expect(await mayMarketHere(v)).toBe(false);
  });
});

describe('the e-mail newsletter', () => {
  it('asks for the address, refuses a bad one, then records consent on e-mail and saves the address', async () => {
    const v = new Visitor(app);
    const [ask] = await v.say('subscribe me to the newsletter');
    expect(ask.text).toMatch(/Which e-mail address/);
    const [bad] = await v.say('ada at example dot com');
    expect(bad.text).toMatch(/doesn't look like an e-mail/);
    expect(await mayEmail(v)).toBe(false);
    const [done] = await v.say('sure, it is Ada.Lovelace@Example.com.');
    expect(done.text).toContain('ada.lovelace@example.com');
    expect(await mayEmail(v)).toBe(true);
    expect((await app.services.customers.get(await v.customerId()))?.email).toBe('ada.lovelace@example.com');
    const history = await app.services.consent.history(await v.customerId());
    expect(history.at(-1)).toMatchObject({ channel: 'email', purpose: 'marketing', granted: true, source: 'keyword' });
    expect(history.at(-1)?.evidence).toMatch(/newsletter/);
    // Marketing in the chat itself is a separate permission and stays off.
    expect(await mayMarketHere(v)).toBe(false);
  });

  it('takes the address from the same Chinese message and says so in Chinese', async () => {
    const v = new Visitor(app);
    const [done] = await v.say('我想订阅邮件简报，邮箱是 li@example.cn');
    expect(done.text).toMatch(/邮件简报将发送到 li@example\.cn/);
    expect(await mayEmail(v)).toBe(true);
    const [already] = await v.say('我想订阅你们的邮件简报');
    expect(already.text).toMatch(/已经用 li@example\.cn 订阅/);
  });

  it('offers the address on file instead of asking for it again', async () => {
    const v = new Visitor(app);
    await v.say('hello');
    await app.services.customers.updateProfile(await v.customerId(), { email: 'kim@example.org' });
    const [ask] = await v.say('I wanna join the newsletter');
    expect(ask.text).toContain('kim@example.org');
    const [done] = await v.press(ask, 'service:newsletter:yes');
    expect(done.text).toContain('kim@example.org');
    expect(await mayEmail(v)).toBe(true);
  });

  it('withdraws the newsletter consent on "unsubscribe me from the newsletter", in both languages', async () => {
    const v = new Visitor(app);
    await v.say('subscribe me to the newsletter, my address is max@example.com');
    expect(await mayEmail(v)).toBe(true);
    const [left] = await v.say('please unsubscribe me from the newsletter');
    expect(left.text).toMatch(/won't get the newsletter/);
    expect(await mayEmail(v)).toBe(false);
    await v.say('subscribe me to the newsletter, my address is max@example.com');
    const [zh] = await v.say('取消订阅邮件简报');
    expect(zh.text).toMatch(/已为您取消邮件简报/);
    expect(await mayEmail(v)).toBe(false);
  });

  it('gives up politely after three unreadable addresses', async () => {
    const v = new Visitor(app);
    await v.say('我想订阅邮件简报');
    await v.say('我的邮箱是 abc@');
    await v.say('邮箱：abc@@def');
    const [gaveUp] = await v.say('还是 @@@');
    expect(gaveUp.text).toMatch(/没能识别出邮箱地址/);
    expect((await v.conversation())?.state).not.toHaveProperty('flow');
    expect(await mayEmail(v)).toBe(false);
  });
});
