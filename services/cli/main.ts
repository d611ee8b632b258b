/**
 * `npx driftline <command>`: one entry point, one small module per command.
 * Each command module exports `run(argv, io)` and resolves to an exit code:
 * 0 success, 1 failure at run time, 2 bad usage or bad input.
 */
import { DriftlineError, messageOf } from '../../libs/errors/errors.ts';

/** Errors caused by what the user gave us exit 2, like usage errors. */
const INPUT_ERRORS = new Set(['CSV_INVALID', 'INPUT_INVALID', 'CONFIG_INVALID', 'VALIDATION_FAILED']);

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export type Command = (argv: string[], io: CliIo) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: { summary: 'the whole loop on this machine: drift, a data incident, an SLO burn, retraining and recovery [--duration 3m]', load: async () => (await import('./demo-command.ts')).run },
  run: { summary: 'start the local stack (broker, migrations, sink) and a small generator; print what landed', load: async () => (await import('./run-command.ts')).run },
  drift: { summary: 'offline drift report: --reference A.csv --current B.csv [--json] [--html out.html]', load: async () => (await import('./drift-command.ts')).run },
  serve: { summary: 'run the serving node (local broker; demo model if the repository is empty) until Ctrl-C', load: async () => (await import('./serve-command.ts')).run },
  process: { summary: 'run the stream processors (windowed drift, alerts) until Ctrl-C', load: async () => (await import('./process-command.ts')).run },
  profile: { summary: 'store a reference profile: --model M --version V (--csv train.csv | --demo)', load: async () => (await import('./profile-command.ts')).run },
  migrate: { summary: 'apply ClickHouse migrations', load: async () => (await import('./migrate-command.ts')).run },
  simulate: { summary: 'play a traffic scenario: --scenario demo|file.json --mode kafka|http|dry-run --rate 200 --duration 60s', load: async () => (await import('./simulate-command.ts')).run },
};

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: driftline <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr(`driftline: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await entry.load())(rest, io);
  } catch (err) {
    io.stderr(`driftline ${name}: ${messageOf(err)}\n`);
    return err instanceof DriftlineError && INPUT_ERRORS.has(err.code) ? 2 : 1;
  }
}
