import { startApp, type App } from '../main.js';

/** `patron start`: runs the server until SIGTERM/SIGINT, then shuts down gracefully. */
export async function runStart(out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const app = await startApp();
  printBanner(app, out);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      app.log.info({ signal }, 'shutting down');
      app.stop().then(resolve, (err) => {
        app.log.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

function printBanner(app: App, out: NodeJS.WritableStream): void {
  const { store, coordination } = app;
  const lines = [
    '',
    `  Patron is running (${store.kind === 'pglite' ? `embedded PGlite in ${store.location}` : `PostgreSQL ${store.location}`}, ${coordination.kind} coordination)`,
    '',
    `  Demo shop with web chat:  ${app.url}/`,
    `  Chat API:                 POST ${app.url}/chat/messages`,
    `  Health:                   ${app.url}/readyz`,
    `  Admin token:              ${app.adminToken}`,
    '',
    '  Press Ctrl-C to stop.',
    '',
  ];
  out.write(lines.join('\n') + '\n');
}
