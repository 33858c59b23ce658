import { ConsoleAdapter } from '../channels/console/console.adapter.js';
import { createLogger } from '../core/logger.js';
import { startApp } from '../main.js';

/** `patron chat`: a terminal conversation with the bot through the real pipeline. */
export async function runChat(io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream } = { stdin: process.stdin, stdout: process.stdout }): Promise<number> {
  let console: ConsoleAdapter | undefined;
  let closed!: () => void;
  const done = new Promise<void>((r) => (closed = r));
  const app = await startApp({
    http: false,
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }),
    extraChannels: (a) => {
      console = new ConsoleAdapter((m) => a.pipeline.handle(m), { input: io.stdin, output: io.stdout, onClose: closed });
      return [console];
    },
  });
  io.stdout.write('Patron chat — type a message (English or 中文), a number to pick an option, /quit to leave.\n');
  process.once('SIGINT', closed);
  await done;
  await console?.idle();
  io.stdout.write('\n');
  await app.stop();
  return 0;
}
