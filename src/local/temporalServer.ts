/**
 * Runs the Temporal CLI's development server (`temporal server start-dev`) as a child process:
 * the default single-machine deployment (SQLite file under `data/`) and the server the test suite
 * runs against (in memory, on a free port).
 *
 * No Temporal SDK here on purpose: starting, probing and stopping the server only needs the CLI,
 * so this module can run before anything else (e.g. in vitest's global setup) and in any process.
 */
import { spawn, execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acceptsConnections, collectLines, isExecutableFile, portIsFree, waitForExit } from './processes.js';

/** The repository root (this file lives in `<root>/src/local`). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Git-ignored folder for local state: the dev server's SQLite file, caught mail, … */
export const DATA_DIR = join(PROJECT_ROOT, 'data');

/** Where the default stack keeps Temporal's state between runs. */
export const DEFAULT_DB_FILE = join(DATA_DIR, 'temporal.sqlite');

/** Where `scripts/install-tools.sh` puts the pinned CLI when none is provided. */
export const BUNDLED_CLI_PATH = join(PROJECT_ROOT, 'tools', 'bin', 'temporal');

export const DEFAULT_PORT = 7233;
export const DEFAULT_UI_PORT = 8233;
export const DEFAULT_NAMESPACE = 'default';

/** The custom search attributes of the public contract (SPEC §5), registered at server start. */
export const SEARCH_ATTRIBUTES = {
  MltrlProject: 'Keyword',
  MltrlLevel: 'Int',
  MltrlPhase: 'Keyword',
  MltrlState: 'Keyword',
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

export interface DevServerOptions {
  /** Frontend gRPC port on 127.0.0.1. Default 7233. */
  port?: number;
  /** Web UI port. Default 8233. */
  uiPort?: number;
  /** SQLite file for persistent state; its folder is created if needed. Omit for an in-memory server. */
  dbFile?: string;
  /** Namespace to create (besides `default`, which always exists) and check for readiness. Default `default`. */
  namespace?: string;
  /** Receives every line the server prints (stdout and stderr). */
  log?: (line: string) => void;
  /** How long to wait for the server to accept requests. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface DevServer {
  /** `host:port` for `Connection.connect({ address })` and `temporal --address`. */
  address: string;
  uiUrl: string;
  pid: number;
  /** SIGTERM, then SIGKILL if the server has not exited after 10 s. Safe to call more than once. */
  stop(): Promise<void>;
}


function findOnPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The Temporal CLI to run: `$TEMPORAL_CLI`, else `temporal` on PATH, else the copy that
 * `npm run setup` installs in `tools/bin`.
 */
export function temporalCliPath(): string {
  const fromEnv = process.env['TEMPORAL_CLI'];
  if (fromEnv !== undefined && fromEnv !== '') {
    const path = isAbsolute(fromEnv) ? fromEnv : resolve(fromEnv);
    if (isExecutableFile(path)) return path;
    throw new Error(
      `TEMPORAL_CLI is set to ${fromEnv}, which is not an executable file. ` +
        'Point it at a Temporal CLI binary, or unset it and run `npm run setup` (scripts/install-tools.sh).',
    );
  }
  const onPath = findOnPath('temporal');
  if (onPath !== undefined) return onPath;
  if (isExecutableFile(BUNDLED_CLI_PATH)) return BUNDLED_CLI_PATH;
  throw new Error(
    'The Temporal CLI was not found: TEMPORAL_CLI is not set, `temporal` is not on PATH, and ' +
      `${BUNDLED_CLI_PATH} does not exist. Run \`npm run setup\` (scripts/install-tools.sh) to install it.`,
  );
}

/** A port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => {
        if (port === undefined) reject(new Error('could not determine a free port'));
        else resolvePort(port);
      });
    });
  });
}


function runCli(cli: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(cli, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolveRun({ ok: error === null, stdout, stderr });
    });
  });
}

/**
 * Asks the server, through the CLI, which custom search attributes `namespace` has. Succeeds only
 * once the frontend serves requests and the namespace exists, so it doubles as the readiness probe.
 */
async function missingSearchAttributes(cli: string, address: string, namespace: string): Promise<string[] | undefined> {
  const { ok, stdout } = await runCli(
    cli,
    [
      'operator', 'search-attribute', 'list',
      '--address', address, '--namespace', namespace, '--output', 'json',
      // Only the flags above decide where to look, not a developer's own TEMPORAL_* env or profile.
      '--disable-config-env', '--disable-config-file',
    ],
    5000,
  );
  if (!ok) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  const custom = (parsed as { customAttributes?: Record<string, string> }).customAttributes ?? {};
  return Object.entries(SEARCH_ATTRIBUTES)
    // The CLI prints the proto enum name, e.g. INDEXED_VALUE_TYPE_KEYWORD.
    .filter(([name, type]) => custom[name]?.toUpperCase().replace(/^INDEXED_VALUE_TYPE_/, '') !== type.toUpperCase())
    .map(([name]) => name);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `temporal server start-dev` on 127.0.0.1 with the contract's search attributes registered,
 * and resolves once the namespace answers with those attributes in place.
 */
/** Starting again on the same SQLite file right after a stop can find it still locked for a moment. */
const LOCKED_DATABASE = /SQLITE_BUSY|database is locked/;
const START_ATTEMPTS = 3;

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(opts);
    } catch (error) {
      if (attempt >= START_ATTEMPTS || !(error instanceof Error && LOCKED_DATABASE.test(error.message))) throw error;
      opts.log?.(`the database file is still locked; starting again (attempt ${attempt + 1} of ${START_ATTEMPTS})`);
      await sleep(1_000 * attempt);
    }
  }
}

async function startDevServerOnce(opts: DevServerOptions): Promise<DevServer> {
  const cli = temporalCliPath();
  const port = opts.port ?? DEFAULT_PORT;
  const uiPort = opts.uiPort ?? DEFAULT_UI_PORT;
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
  const address = `127.0.0.1:${port}`;

  // Without this check, a server already listening on the port would answer the readiness probe
  // and we would report success for a process that is about to exit with "address in use".
  for (const [what, p] of [['gRPC', port], ['UI', uiPort]] as const) {
    if (!(await portIsFree(p))) {
      throw new Error(
        `Cannot start the Temporal dev server: ${what} port ${p} on 127.0.0.1 is already in use ` +
          '(another Temporal server? then point TEMPORAL_ADDRESS at it instead).',
      );
    }
  }

  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--ui-port', String(uiPort),
    '--namespace', namespace,
    '--log-level', 'warn',
    ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
  ];
  if (opts.dbFile !== undefined) {
    const dbFile = resolve(opts.dbFile);
    mkdirSync(dirname(dbFile), { recursive: true });
    args.push('--db-filename', dbFile);
  }

  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  collectLines(child.stdout, output, 40, opts.log);
  collectLines(child.stderr, output, 40, opts.log);

  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  // If this process exits without calling stop(), do not leave an orphaned server behind.
  const killOnExit = () => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null || spawnError !== undefined) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 10_000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    }
  };

  const failure = (reason: string) =>
    new Error(
      `Temporal dev server (${cli} ${args.join(' ')}) ${reason}.` +
        (output.length > 0 ? `\nLast output:\n${output.join('\n')}` : ''),
    );

  const deadline = Date.now() + readyTimeoutMs;
  let missing: string[] | undefined;
  for (;;) {
    if (spawnError !== undefined) {
      process.removeListener('exit', killOnExit);
      throw failure(`could not be started: ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      process.removeListener('exit', killOnExit);
      // Give the pipes a moment to deliver the server's last words.
      await sleep(50);
      throw failure(`exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    if (await acceptsConnections(port)) {
      missing = await missingSearchAttributes(cli, address, namespace);
      if (missing !== undefined && missing.length === 0) break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw failure(
        missing === undefined
          ? `did not accept requests on ${address} within ${readyTimeoutMs} ms`
          : `started, but search attributes ${missing.join(', ')} are not registered in namespace ${namespace}`,
      );
    }
    await sleep(100);
  }

  if (child.pid === undefined) throw failure('has no process id');
  return { address, uiUrl: `http://127.0.0.1:${uiPort}`, pid: child.pid, stop };
}
