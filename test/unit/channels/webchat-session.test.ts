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
});
