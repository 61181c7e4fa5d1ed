/**
 * The `layerwise` command line. Each sub-command is one entry of `commands`; a new one is
 * registered by adding its entry, lazily when its module is heavy (TF.js takes a second or
 * more to load). User errors print their message alone; unexpected ones a short line, with the
 * stack trace only under LAYERWISE_DEBUG=1.
 */
import { analyzeCommand } from './analyze';
import type { Command } from './command';
import { compareCommand } from './compare';
import { demoCommand } from './demo';
import { exitCodeOf, isUserError } from './errors';
import { interactionsCommand } from './interactions';
import { workerCommand } from './worker';

export type { Command } from './command';

/** A command whose module loads only when it runs. */
export interface LazyCommand {
  summary: string;
  load(): Promise<Command>;
}

export const commands: Record<string, Command | LazyCommand> = {
  analyze: analyzeCommand,
  compare: compareCommand,
  demo: demoCommand,
  interactions: interactionsCommand,
  serve: {
    summary: 'run the backend service (HTTP + WebSocket API) on loopback',
    load: async () => (await import('../server/serve')).serveCommand
  },
  worker: workerCommand
};

async function commandOf(entry: Command | LazyCommand): Promise<Command> {
  return 'load' in entry ? entry.load() : entry;
}

function overview(): string {
  const width = Math.max(...Object.keys(commands).map(name => name.length));
  const lines = Object.entries(commands).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`
  );
  return [
    'usage: layerwise COMMAND [options]',
    '',
    'commands:',
    ...lines,
    '',
    "Run 'layerwise COMMAND --help' for a command's options."
  ].join('\n');
}

const debugging = () => /^(1|true|yes)$/i.test(process.env.LAYERWISE_DEBUG ?? '');

function report(error: unknown): number {
  if (debugging()) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  } else if (isUserError(error)) {
    console.error(`layerwise: ${error.message}`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`layerwise: unexpected error: ${message}`);
    console.error(
      'Rerun with LAYERWISE_DEBUG=1 to see the stack trace, and report it if it persists.'
    );
  }
  return exitCodeOf(error);
}

/** Runs the command line `args` (without node and the script); resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const entry =
      name === 'help' && rest[0] && Object.hasOwn(commands, rest[0])
        ? commands[rest[0]]
        : undefined;
    console.log(entry ? (await commandOf(entry)).usage : overview());
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    console.error(`layerwise: unknown command '${name}'\n\n${overview()}`);
    return 2;
  }
  try {
    const command = await commandOf(entry);
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(command.usage);
      return 0;
    }
    await command.run(rest);
    return 0;
  } catch (error) {
    return report(error);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    code => {
      process.exitCode = code;
    },
    error => {
      process.exitCode = report(error);
    }
  );
}
