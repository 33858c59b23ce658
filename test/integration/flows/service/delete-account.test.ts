import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../helpers/app.js';
import { payloads, Visitor } from './chat.js';


const app = useTestApp();

/** A chat-only customer with a name and e-mail on the profile. */
async function knownVisitor(name: string, email: string): Promise<{ v: Visitor; id: string }> {
  const v = new Visitor(app);
  await v.say('hello there');
  const id = await v.customerId();
  await app.services.customers.updateProfile(id, { name, email });
  return { v, id };
}

describe('deleting an account from the chat', () => {
  it('erases a chat-only customer after two confirmations, and the next message starts fresh', async () => {
    const { v, id } = await knownVisitor('Ada Lovelace', 'ada@example.com');
    const conversationId = (await v.conversation())!.id;
    const [explain] = await v.say('I want to delete my account');
    expect(explain.text).toMatch(/erase what I hold/);
    expect(payloads(explain)).toEqual(['service:erase:yes', 'service:erase:no']);
    const [sure] = await v.press(explain, 'service:erase:yes');
    expect(sure.text).toMatch(/can't be undone/);
    expect((await app.services.customers.get(id))?.erasedAt).toBeNull();
    const [done] = await v.press(sure, 'service:erase_sure:yes');
    expect(done.text).toMatch(/has been erased/);

    const profile = await app.services.customers.get(id);
    expect(profile).toMatchObject({ name: null, email: null, identities: [] });
    expect(profile?.erasedAt).toBeInstanceOf(Date);
    const transcript = await app.repos.transcripts.forConversation(conversationId, 100);
    expect(transcript.filter((m) => m.direction === 'in' && /hello there|delete my account/.test(m.text ?? ''))).toEqual([]);

    const [greeting] = await v.say('hi');
    expect(greeting.text).not.toMatch(/Ada/);
    expect(greeting.text).toMatch(/hi|hello/i);
  });

  it('keeps nothing new under the erased customer when the same chat writes again', async () => {
    const { v, id } = await knownVisitor('Grace Hopper', 'grace@example.com');
    const [explain] = await v.say('please delete my account and all my data');
    const [sure] = await v.press(explain, 'service:erase:yes');
    await v.press(sure, 'service:erase_sure:yes');
    await v.say('hello again, I am Grace');
    const stored = await app.store.db.selectFrom('inbound_messages').select('text').where('customer_id', '=', id).execute();
    expect(stored.map((r) => r.text)).not.toContain('hello again, I am Grace');
  });

  it('erases nothing when the customer says no, in Chinese', async () => {
    const { v, id } = await knownVisitor('李雷', 'li@example.cn');
    const [explain] = await v.say('请删除我的账户和所有资料');
    expect(explain.text).toMatch(/要删除您的数据吗/);
    const [sure] = await v.say('是的');
    expect(sure.text).toMatch(/无法恢复/);
    const [kept] = await v.say('不用了');
    expect(kept.text).toMatch(/什么都没有删除/);
    expect(await app.services.customers.get(id)).toMatchObject({ name: '李雷', email: 'li@example.cn', erasedAt: null });
  });

  it('erases a Chinese-speaking customer after two typed confirmations', async () => {
    const { v, id } = await knownVisitor('韩梅梅', 'han@example.cn');
    await v.say('删除我的账户和资料');
    await v.say('确定');
    const [done] = await v.say('确认');
    expect(done.text).toMatch(/个人数据已删除/);
    expect((await app.services.customers.get(id))?.erasedAt).toBeInstanceOf(Date);
  });

  it('only explains how to close the shop account for a customer linked to the shop', async () => {
    const { v, id } = await knownVisitor('Shop Customer', 'shop@example.com');
    await app.store.db.updateTable('customers').set({ shop_customer_id: 'SHOP-77' }).where('id', '=', id).execute();
    const [answer] = await v.say('how can I close my account?');
    expect(answer.text).toMatch(/Close account/);
    expect(answer.text).toMatch(/linked to your shop account/);
    expect(answer.buttons?.[0]?.url).toMatch(/\/account$/);
    expect(payloads(answer)).not.toContain('service:erase:yes');
    expect((await v.conversation())?.state).not.toHaveProperty('flow');
    const [zh] = await v.say('我想注销账户');
    expect(zh.text).toMatch(/注销账户/);
    expect((await app.services.customers.get(id))?.erasedAt).toBeNull();
  });

  it('drops the question when the customer asks something else instead', async () => {
    const { v, id } = await knownVisitor('Alan Turing', 'alan@example.com');
    await v.say('I want to delete my account');
    const [answer] = await v.say('what shipping options do you have?');
    expect(answer.text).toMatch(/express delivery/);
    await v.say('yes');
    expect((await app.services.customers.get(id))?.erasedAt).toBeNull();
  });
});
