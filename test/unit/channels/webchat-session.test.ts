import { describe, expect, it } from 'vitest';
import { WebchatSessions } from '../../../src/channels/webchat/webchat-session.js';

describe('web chat sessions', () => {
  it('accepts the tokens it issued and nothing forged', () => {
    const sessions = new WebchatSessions('secret-one');
    const { token, id } = sessions.issue();
    expect(sessions.verify(token)).toBe(id);
    expect(sessions.verify(`${id}.AAAA`)).toBeUndefined();
    expect(sessions.verify(`other.${token.split('.')[1]}`)).toBeUndefined();
    expect(new WebchatSessions('secret-two').verify(token)).toBeUndefined();
    expect(sessions.verify('no-dot')).toBeUndefined();
    expect(sessions.verify('x'.repeat(500))).toBeUndefined();
  });

  it('remembers only verified tokens, a bounded number of them, and still refuses forgeries after many checks', () => {
    const sessions = new WebchatSessions('secret-one', 3);
    const issued = Array.from({ length: 5 }, () => sessions.issue());
    for (const { token, id } of issued) expect(sessions.verify(token)).toBe(id);
    const recent = (sessions as unknown as { recent: Map<string, string> }).recent;
    expect([...recent.keys()]).toEqual(issued.slice(2).map((s) => s.token));
    const forged = `${issued[0].id}.${'A'.repeat(32)}`;
    for (let i = 0; i < 3; i++) expect(sessions.verify(forged)).toBeUndefined();
    expect(recent.has(forged)).toBe(false);
    // Evicted tokens still verify (by HMAC again).
    expect(sessions.verify(issued[0].token)).toBe(issued[0].id);
  });
});
