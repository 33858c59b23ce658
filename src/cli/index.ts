import { isAppError } from '../core/errors.js';

const USAGE = `Usage: patron <command>

Commands:
  start                      run the server (HTTP, channels, sender)
  chat                       talk to the bot in this terminal
  import products|customers|orders FILE   import JSON/CSV (rejected rows go to FILE.rejected.jsonl)
  nlu eval --train F --test F [--json]   train and evaluate an intent model on JSONL files
  nlu classify [--json]      classify JSONL {"text"} lines from stdin with the built-in model
  migrate [--status]         apply pending migrations (DATABASE_URL or DATA_DIR)
  doctor                     check config, database, Redis, Telegram, Slack, secrets, DATA_DIR
  help                       show this help
`;

/** The `patron` command line. Errors print one line and exit non-zero. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return (await import('./start.command.js')).runStart();
    case 'chat':
      return (await import('./chat.command.js')).runChat();
    case 'import':
      return (await import('./import.command.js')).runImport(rest, { stdout: process.stdout, stderr: process.stderr });
    case 'migrate':
      return (await import('./migrate.command.js')).runMigrate(rest, { stdout: process.stdout, stderr: process.stderr });
    case 'doctor':
      return (await import('./doctor.command.js')).runDoctor(rest, { stdout: process.stdout, stderr: process.stderr });
    case 'nlu':
      return (await import('./nlu.command.js')).runNluCommand(rest, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`patron: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    const message = isAppError(err) ? err.message : (err as Error)?.stack ?? String(err);
    process.stderr.write(`patron: ${message}\n`);
    process.exitCode = isAppError(err) && err.code === 'config_invalid' ? 78 : 1;
  },
);
