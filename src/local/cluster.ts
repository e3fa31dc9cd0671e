/**
 * The production topology's Temporal, without Docker (SPEC §6, "outgrowing one machine"): a private
 * PostgreSQL instance, the full Temporal server (frontend, history, matching and worker services in
 * one process) persisting to it, the `default` namespace and the contract's search attributes.
 * docker-compose.yml describes the same thing with containers; this runs it from the binaries that
 * scripts/install-cluster-tools.sh installs (PostgreSQL from the system's packages, the server built
 * from Go modules), so a test can prove workers scale out against it.
 *
 * Like src/local/temporalServer.ts, no Temporal SDK here: everything is done by the server's own tools and
 * the Temporal CLI.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isExecutableFile, portIsFree, waitForExit } from './processes.js';
import { DEFAULT_NAMESPACE, PROJECT_ROOT, SEARCH_ATTRIBUTES, freePort, temporalCliPath } from './temporalServer.js';

/** Where scripts/install-cluster-tools.sh puts `temporal-server` and `temporal-sql-tool`. */
export const CLUSTER_TOOLS_DIR = join(PROJECT_ROOT, 'tools', 'temporal-server');
export const TEMPORAL_SERVER_PATH = join(CLUSTER_TOOLS_DIR, 'temporal-server');
export const TEMPORAL_SQL_TOOL_PATH = join(CLUSTER_TOOLS_DIR, 'temporal-sql-tool');

const INSTALL_HINT = 'Run `bash scripts/install-cluster-tools.sh` to install PostgreSQL and build the Temporal server.';

/** The PostgreSQL role and password the server connects with (a private instance on 127.0.0.1). */
const DB_USER = 'temporal';
const DB_PASSWORD = 'temporal';

export interface PostgresTemporalOptions {
  /**
   * Everything lives here: `postgresql/` (the database cluster and its log), the server's
   * `dynamicconfig.yaml` and `temporal-server.log`. A folder that already holds a database is reused
   * (its schemas are brought up to date).
   */
  dataDir: string;
  /** Namespace to create and register the search attributes in. Default `default`. */
  namespace?: string;
  /** How long to wait for the server to serve the namespace. Default 120 s. */
  readyTimeoutMs?: number;
  /** Serve the frontend over TLS and refuse clients without a certificate the CA signed (mTLS). */
  mtls?: ClusterTls;
}

/**
 * PEM files for a cluster that requires client certificates. One CA signs the server's certificate
 * and every client's. The server's certificate must name `localhost` and the address clients dial
 * (127.0.0.1), and be good for both server and client authentication: the server's own services
 * present it to each other and to the frontend (its system workers are clients of the frontend
 * too), and this module's CLI calls present it as well.
 */
export interface ClusterTls {
  caCertFile: string;
  serverCertFile: string;
  serverKeyFile: string;
}

export interface PostgresTemporal {
  /** `host:port` of the frontend, for `Connection.connect({ address })` and `temporal --address`. */
  address: string;
  /** As given in the options: the frontend requires client certificates signed by its CA. */
  mtls?: ClusterTls;
  namespace: string;
  /** e.g. `1.31.2`. */
  serverVersion: string;
  /** e.g. `PostgreSQL 15.18 (Debian 15.18-0+deb12u1)`. */
  postgresVersion: string;
  postgresPort: number;
  serverPid: number;
  /** Log files: PostgreSQL's and the Temporal server's. */
  logs: { postgres: string; server: string };
  /** Milliseconds spent in each start-up step. */
  timings: { postgres: number; schema: number; server: number; namespace: number; total: number };
  /** Stops the server (SIGTERM, then SIGKILL after 15 s), then PostgreSQL. Safe to call more than once. */
  stop(): Promise<void>;
}

export class ClusterError extends Error {
  override readonly name = 'ClusterError';
}


/** The folder with `initdb`, `pg_ctl` and `postgres`: `$PG_BINDIR`, else Debian's newest, else PATH. */
export function postgresBinDir(): string {
  const fromEnv = process.env['PG_BINDIR'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isExecutableFile(join(fromEnv, 'initdb'))) return fromEnv;
    throw new ClusterError(`PG_BINDIR is set to ${fromEnv}, which has no initdb. Unset it, or point it at PostgreSQL's bin folder.`);
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name) && isExecutableFile(join(debian, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (majors[0] !== undefined) return join(debian, majors[0], 'bin');
  }
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (dir !== '' && isExecutableFile(join(dir, 'initdb'))) return dir;
  }
  throw new ClusterError(`PostgreSQL was not found (no initdb in /usr/lib/postgresql/*/bin or on PATH). ${INSTALL_HINT}`);
}

/** Throws a ClusterError naming what is missing and how to install it. */
export function checkClusterTools(): { pgBin: string; cli: string } {
  const missing = [TEMPORAL_SERVER_PATH, TEMPORAL_SQL_TOOL_PATH].filter((path) => !isExecutableFile(path));
  if (missing.length > 0) throw new ClusterError(`Not installed: ${missing.join(', ')}. ${INSTALL_HINT}`);
  return { pgBin: postgresBinDir(), cli: temporalCliPath() };
}

/** The end of a log file for an error message; the server's JSON lines shortened to level, message and error. */
function tail(path: string, lines = 15): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '(no log)';
  }
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { level?: string; msg?: string; error?: string };
        return `${entry.level ?? ''}: ${entry.msg ?? ''}${entry.error ? ` (${entry.error})` : ''}`;
      } catch {
        return line;
      }
    })
    .join('\n');
}

interface RunResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolveRun) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolveRun({ ok: error === null, stdout, stderr: error !== null && stderr === '' ? error.message : stderr });
    });
  });
}

async function mustRun(what: string, command: string, args: string[], timeoutMs?: number): Promise<string> {
  const result = await run(command, args, timeoutMs);
  if (!result.ok) {
    throw new ClusterError(`${what} failed: ${command} ${args.join(' ')}\n${(result.stderr || result.stdout).trim()}`);
  }
  return result.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * initdb refuses to run as root, and the server must not own files as root either: as root, the
 * PostgreSQL commands run as the `postgres` system user (created by the Debian package).
 */
function postgresUser(): { uid: number; gid: number; wrap: (command: string, args: string[]) => [string, string[]] } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  } catch {
    throw new ClusterError(`Running as root, PostgreSQL must run as the \`postgres\` user, and there is none. ${INSTALL_HINT}`);
  }
  return { uid, gid, wrap: (command, args) => ['runuser', ['-u', 'postgres', '--', command, ...args]] };
}

interface Postgres {
  port: number;
  version: string;
  log: string;
  stop(): Promise<void>;
  stopNow(): void;
}

async function startPostgres(dataDir: string, pgBin: string): Promise<Postgres> {
  const root = join(dataDir, 'postgresql');
  const cluster = join(root, 'data');
  const log = join(root, 'postgresql.log');
  const user = postgresUser();
  const as = (command: string, args: string[]) => (user ? user.wrap(command, args) : ([command, args] as [string, string[]]));

  mkdirSync(root, { recursive: true });
  if (user) {
    chownSync(root, user.uid, user.gid);
    // The postgres user must be able to reach its folder through dataDir.
    chmodSync(dataDir, (statSync(dataDir).mode & 0o7777) | 0o711);
    const [command, args] = as('test', ['-w', root]);
    if ((await run(command, args)).ok === false) {
      throw new ClusterError(`The postgres user cannot write to ${root}: every folder above it must be searchable by others (chmod o+x).`);
    }
  }

  if (!existsSync(join(cluster, 'PG_VERSION'))) {
    const pwfile = join(root, 'pwfile');
    writeFileSync(pwfile, `${DB_PASSWORD}\n`, { mode: 0o600 });
    if (user) chownSync(pwfile, user.uid, user.gid);
    const [command, args] = as(join(pgBin, 'initdb'), [
      '--pgdata', cluster, '--username', DB_USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8',
      '--locale=C', '--no-instructions',
    ]);
    try {
      await mustRun('initdb', command, args);
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  const port = await freePort();
  // TCP on 127.0.0.1 only, no Unix socket (its default folder belongs to the system's instance).
  // Four Temporal services with their connection pools need more than the default 100 connections.
  const serverOptions = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories='' -c max_connections=300`;
  const [command, args] = as(join(pgBin, 'pg_ctl'), ['start', '--pgdata', cluster, '--log', log, '--wait', '--timeout=60', '-o', serverOptions]);
  const started = await run(command, args, 70_000);
  if (!started.ok) {
    throw new ClusterError(`PostgreSQL did not start (${join(pgBin, 'pg_ctl')} start --pgdata ${cluster}):\n${started.stderr.trim()}\nLast log lines:\n${tail(log)}`);
  }
  const version = (await mustRun('postgres --version', join(pgBin, 'postgres'), ['--version'])).trim().replace(/^postgres \(PostgreSQL\) /, 'PostgreSQL ');

  const stopArgs = as(join(pgBin, 'pg_ctl'), ['stop', '--pgdata', cluster, '--mode=fast', '--wait', '--timeout=30']);
  let stopped = false;
  return {
    port,
    version,
    log,
    async stop() {
      if (stopped) return;
      stopped = true;
      await run(stopArgs[0], stopArgs[1], 40_000);
    },
    stopNow() {
      if (stopped) return;
      stopped = true;
      const [c, a] = as(join(pgBin, 'pg_ctl'), ['stop', '--pgdata', cluster, '--mode=immediate']);
      try {
        execFileSync(c, a, { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // Best effort while the process exits.
      }
    },
  };
}

/**
 * The same three steps as docker-compose.yml's `temporal-schema` job, each a no-op when already
 * done: create the database, set up schema versioning, apply every versioned schema step this
 * server release embeds.
 */
async function createSchemas(port: number): Promise<void> {
  for (const [database, schema] of [['temporal', 'postgresql/v12/temporal'], ['temporal_visibility', 'postgresql/v12/visibility']] as const) {
    const sql = (what: string, args: string[]) =>
      mustRun(`${what} (${database})`, TEMPORAL_SQL_TOOL_PATH, ['--plugin', 'postgres12', '--endpoint', '127.0.0.1', '--port', String(port), '--user', DB_USER, '--password', DB_PASSWORD, '--database', database, ...args], 180_000);
    await sql('creating the database', ['create-database']);
    await sql('setting up schema versioning', ['setup-schema', '--version', '0.0']);
    await sql('updating the schema', ['update-schema', '--schema-name', schema]);
  }
}

/**
 * The server's dynamic configuration. The `temporalio/server` image reads it from
 * /etc/temporal/config/dynamicconfig/docker.yaml and refuses to start without one; docker-compose.yml
 * mounts the same text.
 */
export const TEMPORAL_DYNAMIC_CONFIG = `# mltrl's component workflow is driven by updates (submit, decide, updateCard, ...): keep them on.
frontend.enableUpdateWorkflowExecution:
  - value: true
`;

/**
 * The server is configured the way the \`temporalio/server\` image configures it: \`temporal-server
 * start\` renders its embedded configuration template from these variables (the same ones
 * docker-compose.yml sets), so this run exercises the deployment's configuration, not a test-only one.
 */
function serverEnvironment(pgPort: number, dynamicConfigFile: string, ports: Record<string, number>, mtls: ClusterTls | undefined): NodeJS.ProcessEnv {
  return {
    ...(mtls ? tlsEnvironment(mtls) : {}),
    PATH: process.env['PATH'],
    DB: 'postgres12',
    POSTGRES_SEEDS: '127.0.0.1',
    DB_PORT: String(pgPort),
    POSTGRES_USER: DB_USER,
    POSTGRES_PWD: DB_PASSWORD,
    // Shards are fixed for a cluster's life; the image's default, 4, is plenty for one host.
    NUM_HISTORY_SHARDS: '4',
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfigFile,
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
  };
}

/**
 * The image's TLS variables, rendered by the same template into `global.tls`: `frontend.server`
 * with `requireClientAuth: true`, the server certificate and the CA as its client CA; `internode`
 * (history and matching, and the certificate the system workers present to the frontend) with the
 * same certificate; and the CA as the root both kinds of internal client trust.
 */
function tlsEnvironment(mtls: ClusterTls): NodeJS.ProcessEnv {
  return {
    TEMPORAL_TLS_REQUIRE_CLIENT_AUTH: 'true',
    TEMPORAL_TLS_FRONTEND_CERT: mtls.serverCertFile,
    TEMPORAL_TLS_FRONTEND_KEY: mtls.serverKeyFile,
    // The template lists both client CA slots whenever the first is set, and the server refuses an
    // empty entry ("invalid ServerTLS.ClientCAFiles"): the same CA in both.
    TEMPORAL_TLS_CLIENT1_CA_CERT: mtls.caCertFile,
    TEMPORAL_TLS_CLIENT2_CA_CERT: mtls.caCertFile,
    TEMPORAL_TLS_SERVER_CERT: mtls.serverCertFile,
    TEMPORAL_TLS_SERVER_KEY: mtls.serverKeyFile,
    TEMPORAL_TLS_SERVER_CA_CERT: mtls.caCertFile,
    // The name the internal clients (services to each other, system workers to the frontend)
    // expect in the certificate; Go's TLS refuses to dial without one.
    TEMPORAL_TLS_INTERNODE_SERVER_NAME: 'localhost',
    TEMPORAL_TLS_FRONTEND_SERVER_NAME: 'localhost',
  };
}

/** The Temporal CLI's flags for a cluster that requires client certificates. */
function cliTlsFlags(mtls: ClusterTls | undefined): string[] {
  if (!mtls) return [];
  return ['--tls-ca-path', mtls.caCertFile, '--tls-cert-path', mtls.serverCertFile, '--tls-key-path', mtls.serverKeyFile];
}

/**
 * A free port below 32768. The server records its services' ports in PostgreSQL's
 * `cluster_membership.rpc_port`, a SMALLINT: a port from the OS's ephemeral range (32768 and up on
 * Linux) makes it exit with "value … is out of range for type smallint".
 */
async function freeServerPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await portIsFree(port)) return port;
  }
  throw new ClusterError('no free port found between 20000 and 32000 on 127.0.0.1');
}


/** Only the flags decide where the CLI looks, not a developer's own TEMPORAL_* environment or profile. */
const CLI_ISOLATION = ['--disable-config-env', '--disable-config-file'];

/**
 * Starts PostgreSQL and the Temporal server on free ports on 127.0.0.1, and resolves once the
 * namespace serves requests with the contract's search attributes registered.
 */
export async function startPostgresTemporal(opts: PostgresTemporalOptions): Promise<PostgresTemporal> {
  const t0 = Date.now();
  const { pgBin, cli } = checkClusterTools();
  const dataDir = resolve(opts.dataDir);
  const namespace = opts.namespace ?? DEFAULT_NAMESPACE;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  // Absolute, so the server reads the same files whatever its working folder.
  const mtls = opts.mtls && { caCertFile: resolve(opts.mtls.caCertFile), serverCertFile: resolve(opts.mtls.serverCertFile), serverKeyFile: resolve(opts.mtls.serverKeyFile) };
  for (const [name, file] of Object.entries(mtls ?? {})) {
    if (!existsSync(file)) throw new ClusterError(`mtls.${name}: no such file: ${file}`);
  }
  mkdirSync(dataDir, { recursive: true });

  const postgres = await startPostgres(dataDir, pgBin);
  // If this process exits without calling stop(), leave neither server behind.
  let server: ChildProcess | undefined;
  const killOnExit = () => {
    server?.kill('SIGKILL');
    postgres.stopNow();
  };
  process.once('exit', killOnExit);

  const serverLog = join(dataDir, 'temporal-server.log');
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      if (!(await waitForExit(server, 15_000))) {
        server.kill('SIGKILL');
        await waitForExit(server, 5_000);
      }
    }
    await postgres.stop();
  };

  try {
    const t1 = Date.now();
    await createSchemas(postgres.port);
    const t2 = Date.now();

    // Every port the four services listen on, free ones instead of the image's fixed defaults.
    const ports: Record<string, number> = {};
    for (const service of ['FRONTEND', 'HISTORY', 'MATCHING', 'WORKER']) {
      ports[`${service}_GRPC_PORT`] = await freeServerPort();
      ports[`${service}_MEMBERSHIP_PORT`] = await freeServerPort();
    }
    ports['FRONTEND_HTTP_PORT'] = await freeServerPort();
    const address = `127.0.0.1:${ports['FRONTEND_GRPC_PORT']}`;
    const dynamicConfigFile = join(dataDir, 'dynamicconfig.yaml');
    writeFileSync(dynamicConfigFile, TEMPORAL_DYNAMIC_CONFIG);
    const serverVersion = (await mustRun('temporal-server --version', TEMPORAL_SERVER_PATH, ['--version'])).trim().replace(/^.* version /, '');

    const logFd = openSync(serverLog, 'a');
    const child = spawn(TEMPORAL_SERVER_PATH, ['start'], {
      env: serverEnvironment(postgres.port, dynamicConfigFile, ports, mtls),
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    server = child;
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    const failure = (reason: string) =>
      new ClusterError(`Temporal server (${TEMPORAL_SERVER_PATH} start) ${reason}.\nLast lines of ${serverLog}:\n${tail(serverLog)}`);

    const deadline = Date.now() + readyTimeoutMs;
    const untilReady = async (step: string, attempt: () => Promise<RunResult>): Promise<void> => {
      let last: RunResult | undefined;
      for (;;) {
        if (spawnError !== undefined) throw failure(`could not be started: ${spawnError.message}`);
        if (child.exitCode !== null || child.signalCode !== null) throw failure(`exited (${child.exitCode ?? child.signalCode}) while ${step}`);
        last = await attempt();
        if (last.ok) return;
        if (Date.now() > deadline) throw failure(`was not ready within ${readyTimeoutMs} ms while ${step}: ${(last.stderr || last.stdout).trim()}`);
        await sleep(250);
      }
    };
    const temporal = (args: string[]) => run(cli, [...args, '--address', address, ...cliTlsFlags(mtls), ...CLI_ISOLATION], 15_000);

    await untilReady('waiting for the frontend', () => temporal(['operator', 'cluster', 'health']));
    const t3 = Date.now();

    await untilReady(`creating namespace ${namespace}`, async () => {
      const described = await temporal(['operator', 'namespace', 'describe', '--namespace', namespace]);
      return described.ok ? described : temporal(['operator', 'namespace', 'create', '--namespace', namespace, '--retention', '72h']);
    });
    // One attribute per call: given several --name flags, CLI 1.9.1 against this server registered
    // only the first of them.
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
      await untilReady(`registering search attribute ${name} (${type})`, () =>
        temporal(['operator', 'search-attribute', 'create', '--namespace', namespace, '--name', name, '--type', type]),
      );
    }
    await untilReady('checking the search attributes', async () => {
      const listed = await temporal(['operator', 'search-attribute', 'list', '--namespace', namespace, '--output', 'json']);
      if (!listed.ok) return listed;
      const custom = (JSON.parse(listed.stdout) as { customAttributes?: Record<string, string> }).customAttributes ?? {};
      const wrong = Object.entries(SEARCH_ATTRIBUTES).filter(([name, type]) => custom[name]?.replace(/^INDEXED_VALUE_TYPE_/, '') !== type.toUpperCase());
      return { ok: wrong.length === 0, stdout: '', stderr: `not registered: ${wrong.map(([name]) => name).join(', ')}` };
    });
    // Ready when the namespace answers a visibility query on every attribute through the frontend's
    // caches: then workflows can start, set them, and be found by them.
    await untilReady('waiting for the namespace and its search attributes', () =>
      temporal(['workflow', 'list', '--namespace', namespace, '--limit', '1', '--query', "MltrlProject = 'p' AND MltrlLevel >= 0 AND MltrlPhase = 'p' AND MltrlState = 's'"]),
    );
    const t4 = Date.now();

    if (child.pid === undefined) throw failure('has no process id');
    return {
      address,
      ...(mtls ? { mtls } : {}),
      namespace,
      serverVersion,
      postgresVersion: postgres.version,
      postgresPort: postgres.port,
      serverPid: child.pid,
      logs: { postgres: postgres.log, server: serverLog },
      timings: { postgres: t1 - t0, schema: t2 - t1, server: t3 - t2, namespace: t4 - t3, total: t4 - t0 },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
