/**
 * `mltrl`: the command line for team leads, reviewers and operators. Builds the command tree,
 * runs one command, and turns every expected failure into one line on stderr and an exit code
 * (see src/cli/errors.ts). Connects to Temporal, or to the HTTP API when MLTRL_API_URL is set
 * (src/cli/backend.ts), only once the input has been validated locally.
 */
import { readFileSync } from 'node:fs';
import { Command, type AddHelpTextContext } from 'commander';
import { registerComponentCommands } from './cli/component.js';
import type { Context, Io } from './cli/context.js';
import { EXIT_OK, commanderLine, exitCodeFor, isExpected, messageFor } from './cli/errors.js';
import { printable } from './cli/format.js';
import { registerMetricsCommand, registerProjectsCommand, registerScheduleCommands } from './cli/portfolio.js';
import { registerMlflowCommands } from './cli/mlflow.js';
import { registerProjectCommands } from './cli/project.js';
import { registerTokenCommand } from './cli/token.js';
import { ApiSession, viaApi } from './cli/apiSession.js';
import { Session } from './cli/session.js';

const EXAMPLES = `
Components are named <projectId>/<componentId>. Examples:
  mltrl project start project.json
  mltrl card update neuro/anomaly-model --by owner@lab.example --patch @card.json
  mltrl submit neuro/anomaly-model --by lead@lab.example --ethics @ethics.json
  mltrl review neuro/anomaly-model approve --review r1 --as reviewer@lab.example
  mltrl status neuro --json
  mltrl schedules

Environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), MLTRL_TASK_QUEUE (mltrl).
Without access to Temporal, through the HTTP API as a token's person: MLTRL_API_URL (e.g.
http://127.0.0.1:8280) and MLTRL_API_TOKEN (a personal token); --by and --as may then be left out.
Exit codes: 0 done; 1 server unreachable or not found; 2 bad input or refused (nothing changed).`;

const processIo: Io = {
  // Names and texts come from other people: nothing printed may drive the reader's terminal.
  out: (text) => process.stdout.write(`${printable(text)}\n`),
  err: (text) => process.stderr.write(`${printable(text)}\n`),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(ctx: Context): Command {
  const program = new Command('mltrl')
    .description('Machine Learning Technology Readiness Levels: walk ML components through gated reviews')
    .version(version())
    // Settings below are inherited by every subcommand created after them.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => ctx.io.out(text.trimEnd()),
      writeErr: (text) => ctx.io.err(text.trimEnd()),
      outputError: (text, write) => write(commanderLine(text)),
    })
    .addHelpText('after', EXAMPLES);
  // Commander answers a command group given no command (`mltrl`, `mltrl project`) with its help
  // page on stderr; like every other error, that is one line here, naming the commands. `--help`
  // still prints the page on stdout. The event fires on every ancestor of the command helped.
  program.on('beforeAllHelp', ({ error, command }: AddHelpTextContext) => {
    if (!error) return;
    const path: string[] = [];
    for (let at: Command | null = command; at; at = at.parent) path.unshift(at.name());
    const names = command.commands.map((sub) => sub.name()).join(', ');
    command.error(`error: ${path.join(' ')} needs a command: ${names} (see ${path.join(' ')} --help)`, { code: 'commander.missingCommand' });
  });
  registerProjectCommands(program, ctx);
  registerComponentCommands(program, ctx);
  registerScheduleCommands(program, ctx);
  registerTokenCommand(program, ctx);
  registerProjectsCommand(program, ctx);
  registerMetricsCommand(program, ctx);
  registerMlflowCommands(program, ctx);
  return program;
}

/** Run one command line (`argv` as in process.argv); resolves to the exit code. */
export async function main(argv: string[] = process.argv, io: Io = processIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // MLTRL_API_URL set: every command goes through the HTTP API as the token's person (./cli/apiSession.ts).
  const session = viaApi(env) ? new ApiSession(env) : new Session(env);
  try {
    await buildProgram({ io, session }).parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    const line = messageFor(error);
    if (line) io.err(line);
    if (!isExpected(error) && env['MLTRL_DEBUG'] && error instanceof Error && error.stack) io.err(error.stack);
    return exitCodeFor(error);
  } finally {
    await session.close();
  }
}
