import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../helpers/app.js';
import { killAll } from '../../helpers/process.js';
import { chatThenKill, historyCounts, resendAll, startPatronProcess } from '../../soak/support/crash.js';

const data = tempDataDir('patron-crash-');
afterEach(() => killAll());
afterAll(() => data.cleanup());

describe('a crash (kill -9) during web-chat turns', () => {
  it('loses and duplicates nothing: resending the same client message ids after a restart answers each once', async () => {
    const first = await startPatronProcess({ DATA_DIR: data.dir });
    const sent = await chatThenKill(first.url, first.proc, 4, 5, 150);
    const acknowledged = sent.filter((m) => m.replies).length;

    const second = await startPatronProcess({ DATA_DIR: data.dir });
    const { mismatched, failed } = await resendAll(second.url, sent);
    expect(failed).toEqual([]);
    expect(mismatched).toEqual([]);
    const sessions = [...new Set(sent.map((m) => m.session))];
    const counts = await historyCounts(second.url, sessions);
    // Every distinct message is in the transcript exactly once, acknowledged before the crash or not.
    expect(counts.map((c) => c.inbound)).toEqual(sessions.map((s) => sent.filter((m) => m.session === s).length));
    expect(counts.every((c) => c.outbound >= c.inbound)).toBe(true);
    expect(acknowledged).toBeGreaterThanOrEqual(4);
    second.proc.child.kill('SIGTERM');
    expect(await second.proc.exited()).toBe(0);
  }, 120_000);
});
