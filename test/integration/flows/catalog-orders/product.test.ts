import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../helpers/app.js';
import { Chat } from './chat-kit.js';

const chat = () => new Chat(app.url!);
const text = Chat.text;

const app = useTestApp({}, {}, 'patron-co-product-');

describe('product questions in English', () => {
  it('answers the price of a discounted product with the final price', async () => {
    const replies = await chat().say('how much is the wireless mouse');
    expect(text(replies)).toMatch(/Wireless Mouse costs \$22\.49 \(10% off \$24\.99\)/);
  });

  it('says whether a product is in stock, and when it is not', async () => {
    expect(text(await chat().say('is the camping tent in stock'))).toMatch(/Camping Tent is in stock \(only 9 left\)/);
    expect(text(await chat().say('are the trekking poles in stock?'))).toMatch(/Trekking Poles is out of stock/);
  });

  it('answers the warranty in English', async () => {
    expect(text(await chat().say("what's the warranty on the mechanical keyboard"))).toMatch(/Warranty for Mechanical Keyboard: .*year/i);
  });

  it('finds a product despite a typo in its name', async () => {
    expect(text(await chat().say('how much is the wireles mose'))).toMatch(/Wireless Mouse costs/);
  });

  it('asks which one when several products fit, and answers the chosen one', async () => {
    const c = chat();
    const asked = await c.say('how much is the mouse');
    expect(text(asked)).toMatch(/Which one/);
    expect(Chat.payloads(asked)).toEqual(expect.arrayContaining(['sku:PO-AUD-001', 'sku:PO-AUD-002']));
    const answer = await c.press('sku:PO-AUD-002');
    expect(text(answer)).toMatch(/Gaming Mouse costs \$59\.00/);
  });

  it('says so and offers a person when the product does not exist', async () => {
    const replies = await chat().say('how much does the flux capacitor cost');
    expect(text(replies)).toMatch(/couldn't find that product/);
    expect(Chat.payloads(replies)).toContain('intent:contact_human_agent');
  });

  it('asks which product when none is named, searches the next message, and goes back or cancels on request', async () => {
    const c = chat();
    expect(text(await c.press('intent:product_question'))).toMatch(/Which product/);
    expect(text(await c.say('back'))).toMatch(/Which product/);
    expect(text(await c.say('headlamp'))).toMatch(/Headlamp costs/);
    const other = chat();
    await other.press('intent:product_question');
    expect(text(await other.say('cancel'))).toMatch(/stopped/);
  });

  it('re-asks once on an answer it does not understand, then leaves with the menu', async () => {
    const c = chat();
    await c.press('intent:product_question');
    expect(text(await c.say('hmm'))).toMatch(/didn't catch that[\s\S]*Which product/);
    const out = await c.say('hmm');
    expect(text(out)).toMatch(/start over/);
    expect(Chat.payloads(out)).toContain('intent:track_order');
  });

  it('explains how to order a product', async () => {
    expect(text(await chat().say('how do I place an order'))).toMatch(/add it to your cart/);
  });
});

describe('product questions in Chinese', () => {
  it('answers the discounted price in Chinese', async () => {
    expect(text(await chat().say('无线鼠标多少钱'))).toMatch(/无线鼠标现价 .*22\.49.*原价.*24\.99.*优惠 10%/);
  });

  it('answers stock and warranty in Chinese', async () => {
    expect(text(await chat().say('露营帐篷有货吗'))).toMatch(/露营帐篷有货（仅剩 9 件）/);
    expect(text(await chat().say('机械键盘保修多久'))).toMatch(/机械键盘的保修：/);
  });

  it('asks which one in Chinese and answers the choice', async () => {
    const c = chat();
    const asked = await c.say('鼠标多少钱');
    expect(text(asked)).toMatch(/哪一件/);
    expect(text(await c.press('sku:PO-AUD-001'))).toMatch(/无线鼠标现价/);
  });

  it('finds a product despite a wrong character', async () => {
    expect(text(await chat().say('无线鼠票多少钱'))).toMatch(/无线鼠标/);
  });

  it('offers a person in Chinese when the product does not exist', async () => {
    const replies = await chat().say('时光机多少钱');
    expect(text(replies)).toMatch(/没有找到这件商品/);
    expect(Chat.payloads(replies)).toContain('intent:contact_human_agent');
  });

  it('abandons the question on 取消 and re-asks on 返回', async () => {
    const c = chat();
    await c.say('鼠标多少钱');
    expect(text(await c.say('返回'))).toMatch(/哪一件/);
    expect(text(await c.say('取消'))).toMatch(/已为您取消/);
  });
});
