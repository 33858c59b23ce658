import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { getJson, postJson, tempDataDir } from '../../helpers/app.js';
import { killAll, spawnPatron } from '../../helpers/process.js';

const data = tempDataDir('patron-cli-');
afterEach(() => killAll());
afterAll(() => data.cleanup());

describe('the quick start, as a new user runs it', () => {
  it('starts with `patron start`, prints the demo page and admin token, answers hi and 你好, and stops on SIGTERM', async () => {
    const proc = spawnPatron(['start'], { DATA_DIR: data.dir, PORT: '0' });
    const [, url] = await proc.waitFor(/Demo shop with web chat:\s+(http:\/\/\S+)\//, 90_000);
    expect(proc.output()).toMatch(/Admin token:\s+\S{16,}/);
    const hi = await postJson(`${url}/chat/messages`, { text: 'hi', clientMessageId: 'first' });
    expect(hi.body.replies[0].text).toMatch(/hi|hello/i);
    const zh = await postJson(`${url}/chat/messages`, { text: '你好', sessionId: hi.body.sessionId });
    expect(zh.body.replies[0].text).toMatch(/您好/);
    proc.child.kill('SIGTERM');
    expect(await proc.exited()).toBe(0);

    // A second start on the same DATA_DIR sees everything the first stored.
    const again = spawnPatron(['start'], { DATA_DIR: data.dir, PORT: '0' });
    const [, url2] = await again.waitFor(/Demo shop with web chat:\s+(http:\/\/\S+)\//, 60_000);
    const history = await getJson(`${url2}/chat/history?sessionId=${encodeURIComponent(hi.body.sessionId)}`);
    expect(history.messages.filter((m: { direction: string }) => m.direction === 'in').map((m: { text: string }) => m.text)).toEqual(['hi', '你好']);
    const replay = await postJson(`${url2}/chat/messages`, { text: 'hi', clientMessageId: 'first', sessionId: hi.body.sessionId });
    expect(replay.body.replies).toEqual(hi.body.replies);
    again.child.kill('SIGTERM');
    expect(await again.exited()).toBe(0);
  }, 180_000);

  it('chats in the terminal with `patron chat` in both languages, numbers picking options', async () => {
    const proc = spawnPatron(['chat'], { DATA_DIR: data.dir });
    await proc.waitFor(/you> /, 60_000);
    proc.child.stdin!.write('hi\n');
    await proc.waitFor(/bot> (Hi|Hello)[^\n]*\n/);
    proc.child.stdin!.write('你好\n');
    await proc.waitFor(/bot> [^\n]*您好/);
    proc.child.stdin!.write('1\n');
    await proc.waitFor(/bot> [^\n]*\n[\s\S]*you> [\s\S]*bot> [\s\S]*bot> /);
    proc.child.stdin!.end('/quit\n');
    expect(await proc.exited()).toBe(0);
  }, 120_000);

  it('refuses a bad PORT with one line naming the variable', async () => {
    const proc = spawnPatron(['start'], { DATA_DIR: data.dir, PORT: 'eighty' });
    expect(await proc.exited()).not.toBe(0);
    expect(proc.output().trim().split('\n').filter((l) => l.includes('PORT'))).toEqual(['patron: PORT must be a whole number (got "eighty")']);
  }, 60_000);

  it('refuses a second process on the same DATA_DIR with a clear message', async () => {
    const first = spawnPatron(['start'], { DATA_DIR: data.dir, PORT: '0' });
    await first.waitFor(/Demo shop with web chat/, 60_000);
    const second = spawnPatron(['chat'], { DATA_DIR: data.dir });
    expect(await second.exited()).not.toBe(0);
    expect(second.output()).toMatch(/in use by another Patron process/);
    first.child.kill('SIGTERM');
    expect(await first.exited()).toBe(0);
  }, 120_000);
});
