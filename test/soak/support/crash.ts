import { postJson } from '../../helpers/app.js';
import { spawnPatron, type Spawned } from '../../helpers/process.js';
import { firstOk, freePort } from '../../../bench/startup.bench.js';
import { NO_CHAT_LIMITS } from './soak.js';

/** `patron start` as a child process on a fixed free port; resolves once /healthz answers 200. */
export async function startPatronProcess(env: Record<string, string>): Promise<{ proc: Spawned; url: string }> {
  const port = await freePort();
  const proc = spawnPatron(['start'], { PORT: String(port), HOST: '127.0.0.1', ...NO_CHAT_LIMITS, ...env });
  const url = `http://127.0.0.1:${port}`;
  await firstOk(`${url}/healthz`, proc.child, 120_000);
  return { proc, url };
}

export interface Sent {
  session: string;
  id: string;
  text: string;
  /** Replies when the server answered 200 before the crash; undefined when it never answered. */
  replies?: unknown[];
}

/**
 * Opens `sessions` web-chat sessions (one acknowledged message each), then fires `inFlight`
 * more messages per session without waiting and kills the process with SIGKILL `killAfterMs`
 * later, so some turns are acknowledged, some committed but unanswered, some never started.
 */
export async function chatThenKill(url: string, proc: Spawned, sessions: number, inFlight: number, killAfterMs: number): Promise<Sent[]> {
  const sent: Sent[] = [];
  const tokens: string[] = [];
  for (let s = 0; s < sessions; s++) {
    const res = await postJson(`${url}/chat/messages`, { text: 'hi', clientMessageId: 'm0' });
    if (res.status !== 200) throw new Error(`first message failed: ${res.status} ${JSON.stringify(res.body)}`);
    tokens.push(res.body.sessionId);
    sent.push({ session: res.body.sessionId, id: 'm0', text: 'hi', replies: res.body.replies });
  }
  const texts = ['where is my order', 'what can you do?', '你好', 'thanks', 'help me please'];
  const pending: Promise<void>[] = [];
  for (const session of tokens) {
    // One session's messages go one after another, like a person typing.
    pending.push((async () => {
      for (let i = 1; i <= inFlight; i++) {
        const entry: Sent = { session, id: `m${i}`, text: texts[i % texts.length] };
        sent.push(entry);
        try {
          const res = await postJson(`${url}/chat/messages`, { sessionId: session, text: entry.text, clientMessageId: entry.id });
          if (res.status === 200) entry.replies = res.body.replies;
        } catch {
          return; // the process is gone: later messages of this session were never sent
        }
      }
    })());
  }
  await new Promise((r) => setTimeout(r, killAfterMs));
  proc.child.kill('SIGKILL');
  await proc.exited();
  await Promise.allSettled(pending);
  return sent;
}

/** Resends every message (same session, same client id) and checks what the restarted app says. */
export async function resendAll(url: string, sent: Sent[]): Promise<{ mismatched: string[]; failed: string[] }> {
  const mismatched: string[] = [];
  const failed: string[] = [];
  for (const m of sent) {
    const res = await postJson(`${url}/chat/messages`, { sessionId: m.session, text: m.text, clientMessageId: m.id });
    if (res.status !== 200 || !res.body.replies?.length) failed.push(`${m.id}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    // An acknowledged message is a duplicate now: exactly the replies the customer already saw.
    else if (m.replies && JSON.stringify(res.body.replies) !== JSON.stringify(m.replies)) mismatched.push(`${m.session.slice(0, 8)}/${m.id}`);
  }
  return { mismatched, failed };
}

/** Per session: inbound messages in the history, and how many distinct client ids they came from. */
export async function historyCounts(url: string, sessions: string[]): Promise<Array<{ inbound: number; outbound: number }>> {
  return Promise.all(sessions.map(async (s) => {
    const res = await fetch(`${url}/chat/history?sessionId=${encodeURIComponent(s)}`);
    const body = (await res.json()) as { messages: Array<{ direction: string }> };
    return { inbound: body.messages.filter((m) => m.direction === 'in').length, outbound: body.messages.filter((m) => m.direction !== 'in').length };
  }));
}
