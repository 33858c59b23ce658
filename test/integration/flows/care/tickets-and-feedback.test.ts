import { describe, expect, it } from 'vitest';
import { careShortcuts } from '../../../../src/flows/care/index.js';
import { useTestApp } from '../../../helpers/app.js';
import { Chat, giveOrder, payloads } from './care-chat.js';


const app = useTestApp({}, {}, 'patron-care-tickets-');

const chat = () => new Chat(app);
const ticketNumber = (text: string) => /T-\d{6}/.exec(text)?.[0];

async function customerWithOrder(orderId: string): Promise<Chat> {
  const c = chat();
  await c.say('hi');
  await giveOrder(app, await c.customerId(), { id: orderId, total: 80 });
  return c;
}

describe('complaints', () => {
  it('files a complaint with the customer\'s order and wish, answering with the ticket number and SLA time', async () => {
    const c = await customerWithOrder('CARE-7001');
    const first = await c.say('I want to complain, my order CARE-7001 arrived broken');
    expect(first.text).toMatch(/noted order CARE-7001/);
    expect(payloads(first.replies)).toContain('care.wish:refund');
    const done = await c.press('care.wish:refund');
    const number = ticketNumber(done.text)!;
    expect(done.text).toMatch(/logged as T-\d{6} with normal priority/);
    expect(done.text).toMatch(/reply by \d{1,2} \w{3} \d{4}/);
    const ticket = await app.services.tickets.findForCustomer(await c.customerId(), number);
    expect(ticket).toMatchObject({ orderId: 'CARE-7001', wish: 'refund', category: 'product', priority: 'normal', status: 'open' });
  });

  it('asks what happened, which order and the wish in Chinese, then confirms in Chinese', async () => {
    const c = chat();
    expect((await c.say('我要投诉')).text).toMatch(/发生了什么/);
    const order = await c.say('耳机收到就坏了，包装也破了');
    expect(order.text).toMatch(/哪个订单/);
    expect((await c.say('没有')).text).toMatch(/怎么处理/);
    const done = await c.say('换货');
    expect(done.text).toMatch(/工单号 T-\d{6}.*优先级：普通/);
    expect(done.text).toMatch(/前回复您/);
    const ticket = await app.services.tickets.findForCustomer(await c.customerId(), ticketNumber(done.text)!);
    expect(ticket).toMatchObject({ orderId: null, wish: 'replacement' });
  });

  it('treats a payment problem as a payment complaint', async () => {
    const c = chat();
    const first = await c.say('I was charged twice for the same thing');
    expect(first.text).toMatch(/Which order/);
    await c.press('care.order:none');
    const done = await c.press('care.wish:refund');
    const ticket = await app.services.tickets.findForCustomer(await c.customerId(), ticketNumber(done.text)!);
    expect(ticket?.category).toBe('payment');
  });

  it('goes back a step on "back" and abandons on "取消" without filing anything', async () => {
    const c = chat();
    await c.say('I want to make a complaint');
    await c.say('The parcel was left in the rain and everything got wet');
    await c.press('care.order:none');
    const back = await c.say('back');
    expect(back.text).toMatch(/Which order/);
    const skipped = chat();
    await skipped.say('I want to complain, the headphones I got are broken');
    const atStart = await skipped.say('back');
    expect(atStart.text).toMatch(/already at the first question/);
    expect(atStart.text).toMatch(/Which order/);
    const zh = chat();
    await zh.say('我要投诉');
    expect((await zh.say('取消')).text).toMatch(/停下来/);
    const { items } = await app.services.tickets.list({ customerId: await zh.customerId() });
    expect(items).toHaveLength(0);
  });

  it('hands an angry customer to a person and files an urgent ticket as well, in both languages', async () => {
    const en = chat();
    const res = await en.say('This is GARBAGE!!! I am furious, the blender you sent is broken and nobody answers!!!');
    expect(res.text).toMatch(/urgent priority/);
    expect(res.text).toMatch(/colleague/);
    const conversation = await en.conversation();
    expect(conversation.owner).toBe('queue');
    const waiting = await app.services.handoff.waiting();
    expect(waiting.find((w) => w.conversation_id === conversation.id)?.reason).toBe('anger');
    const ticket = await app.services.tickets.findForCustomer(conversation.customer_id, ticketNumber(res.text)!);
    expect(ticket?.priority).toBe('urgent');

    const zh = chat();
    const angry = await zh.say('太差了！垃圾！我要投诉！！！差评！');
    expect(angry.text).toMatch(/紧急工单 T-\d{6}/);
    expect(angry.text).toMatch(/人工客服/);
    expect((await zh.conversation()).owner).toBe('queue');
  });

  it('files a complaint naming someone else\'s order as one without an order, in the same words as an unknown number', async () => {
    const c = chat();
    const foreign = await c.say('I want to complain about order PO-10001, it never arrived');
    expect(foreign.text).toMatch(/couldn't match PO-10001 to your account/);
    const other = chat();
    const unknown = await other.say('I want to complain about order ZZ-99999, it never arrived');
    expect(unknown.text.replace('ZZ-99999', 'X')).toBe(foreign.text.replace('PO-10001', 'X'));
    const done = await c.press('care.wish:other');
    const ticket = await app.services.tickets.findForCustomer(await c.customerId(), ticketNumber(done.text)!);
    expect(ticket?.orderId).toBeNull();
  });

  it('lets a clear request for something else leave the "what happened" question', async () => {
    const c = chat();
    await c.say('I want to make a complaint');
    expect((await c.say('I want to talk to a person')).text).toMatch(/colleague/);
  });
});

describe('ticket status', () => {
  it('shows the customer\'s own ticket and answers a foreign number like a missing one', async () => {
    const owner = chat();
    await owner.say('I want to make a complaint');
    await owner.say('The zip on my new backpack broke on the first day');
    await owner.press('care.order:none');
    const number = ticketNumber((await owner.press('care.wish:replacement')).text)!;
    const own = await owner.say(`any update on my complaint ${number}?`);
    expect(own.text).toContain(`Ticket ${number}`);
    expect(own.text).toMatch(/Status: open/);

    const stranger = chat();
    const foreign = await stranger.say(`any update on my complaint ${number}?`);
    expect(foreign.text).toMatch(/couldn't find a ticket/);
    expect(foreign.text).not.toMatch(/backpack/);
    const missing = await stranger.say('any update on my complaint T-999999?');
    expect(missing.text.replace('T-999999', 'X')).toBe(foreign.text.replace(number, 'X'));

    const listed = await owner.press('intent:ticket_status');
    expect(listed.text).toMatch(/1 open ticket/);
    expect(payloads(listed.replies)).toContain(`care.ticket:${number}`);
  });

  it('answers "我的投诉处理得怎么样了" in Chinese', async () => {
    const c = chat();
    await c.say('我要投诉');
    await c.say('快递员态度很差，还把包裹扔在门口');
    await c.press('care.order:none');
    const number = ticketNumber((await c.press('care.wish:apology')).text)!;
    const res = await c.say('我的投诉处理得怎么样了');
    expect(res.text).toMatch(/1 个未完成的工单/);
    expect(res.text).toContain(number);
    const one = await c.press(`care.ticket:${number}`);
    expect(one.text).toMatch(/状态：处理中/);
  });
});

describe('ticket survey', () => {
  async function resolvedTicket(c: Chat, zh = false): Promise<string> {
    await c.say(zh ? '我要投诉' : 'I want to make a complaint');
    await c.say(zh ? '收到的杯子有裂缝，不能用' : 'The mug I received has a crack in it');
    await c.press('care.order:none');
    const number = ticketNumber((await c.press('care.wish:replacement')).text)!;
    await app.services.tickets.update(number, { status: 'resolved' }, 'agent-1');
    return number;
  }

  it('records a bare score once and thanks the customer', async () => {
    const c = chat();
    const number = await resolvedTicket(c);
    const res = await c.say('5');
    expect(res.text).toMatch(new RegExp(`rating ${number} with 5/5`));
    const again = await c.say('2');
    expect(again.text).not.toMatch(/rating/);
    const ticket = await app.services.tickets.findForCustomer(await c.customerId(), number);
    expect(ticket?.satisfaction?.score).toBe(5);
  });

  it('takes stars in Chinese and offers a person after a low score', async () => {
    const c = chat();
    const number = await resolvedTicket(c, true);
    const res = await c.say('⭐⭐');
    expect(res.text).toMatch(/只得到 2\/5 分/);
    expect(payloads(res.replies)).toContain('intent:contact_human_agent');
    expect((await app.services.tickets.findForCustomer(await c.customerId(), number))?.satisfaction?.score).toBe(2);
  });

  it('takes "I\'d rate it 4" through the review intent', async () => {
    const c = chat();
    const number = await resolvedTicket(c);
    await c.say('hello');
    const res = await c.say("I'd rate it 4");
    expect(res.text).toMatch(/4\/5/);
    expect((await app.services.tickets.findForCustomer(await c.customerId(), number))?.satisfaction?.score).toBe(4);
  });

  it('with the careShortcuts middleware in the pipeline, answers a bare score days later and a bare ticket number', async () => {
    const stack = (app.pipeline as unknown as { chain: { stack: unknown[] } }).chain.stack;
    stack.splice(2, 0, careShortcuts); // after ownership + keywords, before understanding
    try {
      const c = chat();
      const number = await resolvedTicket(c);
      await c.say('hello');
      await c.say('thank you');
      const res = await c.say('3');
      expect(res.text).toMatch(/3\/5/);
      expect((await app.services.tickets.findForCustomer(await c.customerId(), number))?.satisfaction?.score).toBe(3);
      expect((await c.say(number)).text).toMatch(/You rated our help 3\/5/);
      expect((await c.say('我的工单')).text).toMatch(/没有未完成的工单/);
    } finally {
      stack.splice(stack.indexOf(careShortcuts), 1);
    }
  });
});

describe('reviews', () => {
  it('records a review of a verified order and credits the bonus once', async () => {
    const c = await customerWithOrder('CARE-7101');
    const customerId = await c.customerId();
    await app.services.loyalty.enroll(customerId, { termsAccepted: true });
    const before = (await app.services.loyalty.balance(customerId)).total;
    const first = await c.say('I want to leave a review for order CARE-7101');
    expect(first.text).toMatch(/what would you like to tell us/i);
    const thanks = await c.say('Great blender, it arrived quickly and works perfectly');
    expect(thanks.text).toMatch(/20 points have been added/);
    await c.say('I want to leave a review for order CARE-7101');
    const again = await c.say('Still happy with it after a week of smoothies');
    expect(again.text).toMatch(/already added/);
    expect((await app.services.loyalty.balance(customerId)).total).toBe(before + 20);
    const { items } = await app.services.tickets.list({ customerId });
    expect(items.filter((t) => t.category === 'other' && t.priority === 'low')).toHaveLength(2);
  });

  it('thanks in Chinese and offers membership to a non-member', async () => {
    const c = await customerWithOrder('CARE-7102');
    await c.say('给订单 CARE-7102 写个评价');
    const thanks = await c.say('质量很好，物流也很快，下次还来买');
    expect(thanks.text).toMatch(/感谢您的反馈/);
    expect(payloads(thanks.replies)).toContain('intent:join_membership');
  });
});
