import { describe, expect, it } from 'vitest';
import { signIdentityLink, signShopBody } from '../../../../src/crm/shop/index.js';
import { postJson, useTestApp } from '../../../helpers/app.js';
import { Chat } from './chat-kit.js';

const SECRET = 'catalog-orders-test-secret';
const text = Chat.text;

const app = useTestApp({ SHOP_WEBHOOK_SECRET: SECRET }, {}, 'patron-co-orders-');

/** A web-chat session already linked (by a shop-signed link) to a demo shop customer. */
async function chatAs(shopCustomerId: string): Promise<Chat> {
  const session = app.webchat.open();
  const claim = { shopCustomerId, channel: 'webchat', externalId: session.id, expiry: Math.floor(Date.now() / 1000) + 3600 };
  const outcome = await app.crm.customers.linkBySignedLink(claim, signIdentityLink(SECRET, claim));
  expect(outcome.status).toBe('linked');
  return new Chat(app.url!, session.token);
}

async function customerId(shopCustomerId: string): Promise<string> {
  const page = await app.crm.customers.search({ shopId: shopCustomerId });
  return page.items[0].id;
}

async function order(shopCustomerId: string, id: string) {
  return app.crm.orders.findForCustomer(await customerId(shopCustomerId), id);
}

const ticketIn = (s: string) => /ticket (\S+?)[ ,;.]/i.exec(s)?.[1] ?? /工单号? ?(\S+?)[，,。 ]/u.exec(s)?.[1];

describe('order questions in English for a verified customer', () => {
  it('tells the status of an own order with carrier, tracking number and arrival date', async () => {
    const reply = text(await (await chatAs('demo-c-1001')).say('where is my order PO-10002'));
    expect(reply).toMatch(/Order PO-10002 .*shipped/);
    expect(reply).toMatch(/USPS, tracking number: 9400111202555842761023/);
    expect(reply).toMatch(/arrived? by/);
  });

  it('confirms the most recent order when no number is given', async () => {
    const chat = await chatAs('demo-c-1001');
    const asked = await chat.say('where is my order');
    expect(text(asked)).toMatch(/Is this the order you mean\? Order PO-10002/);
    expect(Chat.payloads(asked)).toEqual(expect.arrayContaining(['order:PO-10002', 'order:PO-10001']));
    expect(text(await chat.press('order:PO-10001'))).toMatch(/delivered on/);
  });

  it("answers another customer's order exactly like one that does not exist", async () => {
    const chat = await chatAs('demo-c-1001');
    const foreign = text(await chat.say('where is my order PO-10003'));
    const unknown = text(await chat.say('where is my order PO-99999'));
    expect(foreign).toMatch(/couldn't find order PO-10003 on your account/);
    expect(foreign.replace('PO-10003', 'X')).toBe(unknown.replace('PO-99999', 'X'));
    expect(foreign).not.toMatch(/paid|Burr|119/);
  });

  it('changes the shipping address in steps, going back and cancelling on request', async () => {
    const chat = await chatAs('demo-c-1003');
    expect(text(await chat.say('change the shipping address of order PO-10004'))).toMatch(/new shipping address for order PO-10004/);
    expect(text(await chat.say('cancel'))).toMatch(/stopped/);
    expect((await order('demo-c-1003', 'PO-10004'))?.shipping_address).toBeNull();

    await chat.say('change the shipping address of order PO-10004');
    expect(text(await chat.say('12 Main St, Springfield, 12345, US'))).toMatch(/Ship order PO-10004 to 12 Main St, Springfield, 12345, US\?/);
    expect(text(await chat.say('back'))).toMatch(/new shipping address/);
    expect(text(await chat.say('7 Elm Road, Apt 2, Portland, 97201, US'))).toMatch(/Apt 2, Portland/);
    expect(text(await chat.say('yes'))).toMatch(/order PO-10004 will ship to 7 Elm Road/);
    expect((await order('demo-c-1003', 'PO-10004'))?.shipping_address).toMatchObject({ line1: '7 Elm Road', line2: 'Apt 2', city: 'Portland', postalCode: '97201', country: 'US' });
  });

  it('cancels an order that has not shipped after a yes', async () => {
    const chat = await chatAs('demo-c-1003');
    expect(text(await chat.say('cancel my order PO-10004'))).toMatch(/Shall I cancel it\?/);
    expect(text(await chat.say('yes'))).toMatch(/order PO-10004 is cancelled/);
    expect((await order('demo-c-1003', 'PO-10004'))?.status).toBe('cancelled');
  });

  it('opens a ticket instead when the order has already shipped', async () => {
    const reply = text(await (await chatAs('demo-c-1001')).say('I want to cancel order PO-10002'));
    expect(reply).toMatch(/already shipped, so I can't cancel it/);
    const number = ticketIn(reply)!;
    const ticket = await app.crm.tickets.findForCustomer(await customerId('demo-c-1001'), number);
    expect(ticket?.orderId).toBe('PO-10002');
    expect((await order('demo-c-1001', 'PO-10002'))?.status).toBe('shipped');
  });

  it('reports the refund status of a refunded order', async () => {
    const reply = text(await (await chatAs('demo-c-1004')).say('where is my refund for order PO-10006'));
    expect(reply).toMatch(/Order PO-10006 was refunded on .*\$79\.00/);
  });

  it('turns a refund request on a delivered order into a ticket with the wish refund', async () => {
    const chat = await chatAs('demo-c-1001');
    expect(text(await chat.say('I want a refund for order PO-10001'))).toMatch(/reason for the refund/);
    const reply = text(await chat.say('the mouse arrived broken'));
    const ticket = await app.crm.tickets.findForCustomer(await customerId('demo-c-1001'), ticketIn(reply)!);
    expect(ticket).toMatchObject({ wish: 'refund', category: 'refund', orderId: 'PO-10001' });
  });

  it('shows the invoice lines of a paid order and where to download it', async () => {
    const reply = text(await (await chatAs('demo-c-1001')).say('I need the invoice for order PO-10001'));
    expect(reply).toMatch(/Invoice for order PO-10001/);
    expect(reply).toMatch(/1 × Wireless Mouse/);
    expect(reply).toMatch(/My orders → PO-10001/);
  });

  it('estimates delivery for a named order and gives general times without one', async () => {
    expect(text(await (await chatAs('demo-c-1005')).say('when will order PO-10008 arrive'))).toMatch(/arrived? by/);
    expect(text(await new Chat(app.url!).say('how long does delivery take'))).toMatch(/around 7 days in total/);
  });

  it('says cancelling is free before shipping', async () => {
    expect(text(await new Chat(app.url!).say('is there a cancellation fee'))).toMatch(/free as long as your order hasn't shipped/);
  });
});

describe('order questions in Chinese for a verified customer', () => {
  it('tells the status of an own order in Chinese', async () => {
    expect(text(await (await chatAs('demo-c-1002')).say('我的订单 PO-10003 到哪了'))).toMatch(/订单 PO-10003.*已付款，备货中/);
  });

  it("answers another customer's order like a missing one in Chinese", async () => {
    const chat = await chatAs('demo-c-1002');
    const foreign = text(await chat.say('我的订单 PO-10002 到哪了'));
    const unknown = text(await chat.say('我的订单 PO-99999 到哪了'));
    expect(foreign).toMatch(/没有找到订单 PO-10002/);
    expect(foreign.replace('PO-10002', 'X')).toBe(unknown.replace('PO-99999', 'X'));
  });

  it('changes the address in Chinese with 返回 and 取消', async () => {
    const chat = await chatAs('demo-c-1002');
    expect(text(await chat.say('修改订单 PO-10003 的收货地址'))).toMatch(/新收货地址/);
    expect(text(await chat.say('世纪大道100号, 上海, 200120, 中国'))).toMatch(/确认将订单 PO-10003 寄往 世纪大道100号, 上海, 200120, 中国/);
    expect(text(await chat.say('返回'))).toMatch(/新收货地址/);
    expect(text(await chat.say('取消'))).toMatch(/已为您取消/);
    expect((await order('demo-c-1002', 'PO-10003'))?.shipping_address).toBeNull();
  });

  it('shows the invoice in Chinese', async () => {
    const reply = text(await (await chatAs('demo-c-1002')).say('我要订单 PO-10003 的发票'));
    expect(reply).toMatch(/订单 PO-10003 的发票/);
    expect(reply).toMatch(/磨豆机/);
  });

  it('cancels a paid order in Chinese and promises the refund', async () => {
    const chat = await chatAs('demo-c-1002');
    expect(text(await chat.say('取消订单 PO-10003'))).toMatch(/确定要取消吗/);
    expect(text(await chat.say('是的'))).toMatch(/订单 PO-10003 已取消.*原路退回/);
  });

  it('opens a ticket in Chinese when a shipped order cannot be cancelled', async () => {
    const reply = text(await (await chatAs('demo-c-1005')).say('取消订单 PO-10008'));
    expect(reply).toMatch(/无法在这里直接取消.*工单 \S+/);
  });

  it('reports refund status in Chinese', async () => {
    expect(text(await (await chatAs('demo-c-1004')).say('订单 PO-10006 的退款到哪了'))).toMatch(/订单 PO-10006 已于 .* 退款/);
  });
});

describe('linking a chat to a shop account', () => {
  it('explains how to link instead of showing orders to an unlinked chat', async () => {
    const en = text(await new Chat(app.url!).say('where is my order PO-10002'));
    expect(en).toMatch(/only shared with the account holder[\s\S]*e-mail address of your shop account/);
    expect(en).not.toMatch(/USPS|shipped|couldn't find/);
    const zh = text(await new Chat(app.url!).say('我的订单到哪了'));
    expect(zh).toMatch(/只向账户本人展示[\s\S]*邮箱地址/);
  });

  it('links by an e-mail code end to end, answering alike for an unknown address', async () => {
    // Imported demo customers have no verified e-mail identity, and the webhook only adds one when the
    // e-mail changes, so the shop reports a changed address here.
    const event = { id: 'co-test-customer-1002', type: 'customer.upserted', occurredAt: new Date().toISOString(), data: { id: 'demo-c-1002', email: 'xiaoming@example.com' } };
    const raw = JSON.stringify(event);
    expect((await postJson(`${app.url}/webhooks/shop`, raw, { 'x-shop-signature': signShopBody(SECRET, raw) })).status).toBeLessThan(300);

    // In English: the pipeline reads a message that is only an e-mail address as English anyway.
    const stranger = new Chat(app.url!);
    await stranger.say('where is my order');
    const unknownReply = text(await stranger.say('nobody@example.com'));

    const chat = new Chat(app.url!);
    expect(text(await chat.say('where is my order'))).toMatch(/one-time code/);
    const knownReply = text(await chat.say('xiaoming@example.com'));
    expect(knownReply).toMatch(/6-digit code/);
    expect(knownReply.replace('xiaoming@example.com', 'E')).toBe(unknownReply.replace('nobody@example.com', 'E'));

    expect(text(await chat.say('000000'))).toMatch(/code didn't work/);
    expect(text(await stranger.say('000000'))).toMatch(/code didn't work/);
    const row = await app.store.db.selectFrom('outbox').select('message').where('channel', '=', 'email').where('recipient', '=', 'xiaoming@example.com').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    const code = /(\d{6})/.exec((row.message as { text: string }).text)![1];
    expect(text(await chat.say(code))).toMatch(/now linked to your shop account/);
    expect(text(await chat.say('我的订单 PO-10003 到哪了'))).toMatch(/订单 PO-10003/);
  });

  it('links by the shop-signed link payload and then shows own orders', async () => {
    const chat = new Chat(app.url!);
    await chat.say('hello');
    const sessionId = chat.sessionId!.split('.')[0];
    const claim = { shopCustomerId: 'demo-c-1004', channel: 'webchat', externalId: sessionId, expiry: Math.floor(Date.now() / 1000) + 600 };
    const forged = await chat.press(`link:demo-c-1004.${claim.expiry}.${'0'.repeat(64)}`);
    expect(text(forged)).toMatch(/link didn't work/);
    expect(text(await chat.press(`link:demo-c-1004.${claim.expiry}.${signIdentityLink(SECRET, claim)}`))).toMatch(/now linked/);
    expect(text(await chat.say('where is my order PO-10007'))).toMatch(/Order PO-10007 .*delivered/);
  });
});
