/**
 * An MLflow tracking server with its Model Registry, run as a child process on loopback: the
 * registry mltrl reads model versions from and receives webhooks of. State (a SQLite database,
 * artifacts, the key that encrypts webhook secrets) lives in one folder, so it survives restarts.
 *
 * A SQL store on purpose: MLflow's file store has no webhooks.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { answersOk, startChildServer } from './childServer.js';
import { executableFrom, portIsFree } from './processes.js';
import { PROJECT_ROOT } from './temporalServer.js';

export const DEFAULT_MLFLOW_PORT = 5000;

/** Where scripts/install-integrations.sh installs the pinned MLflow (a Python virtual environment). */
export const BUNDLED_MLFLOW_PATH = join(PROJECT_ROOT, 'tools', 'mlflow', 'bin', 'mlflow');

export interface MlflowServerOptions {
  /** Port on 127.0.0.1. Default 5000. */
  port?: number;
  /** Folder for the database (mlflow.db), artifacts and the webhook secret key; created if needed. */
  dataDir: string;
  /**
   * Let webhooks call plain-http and loopback or private addresses (mltrl on the same machine).
   * MLflow refuses both by default, as a guard against server-side request forgery.
   */
  allowLocalWebhooks?: boolean;
  /** Receives every line the server prints. */
  log?: (line: string) => void;
  /** How long to wait for /health. Default 120 s: a first start creates and migrates the database. */
  readyTimeoutMs?: number;
}

export interface MlflowServer {
  /** Base URL, e.g. http://127.0.0.1:5000; the REST API is under /api/2.0/mlflow/. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** `$MLFLOW` (an `mlflow` executable), else the copy scripts/install-integrations.sh installs. */
export function mlflowPath(): string {
  return executableFrom('MLFLOW', BUNDLED_MLFLOW_PATH, 'MLflow', 'run scripts/install-integrations.sh');
}

/**
 * MLflow encrypts webhook secrets in its database with a Fernet key; without one it draws a new key
 * per process, and the secrets stored before a restart can no longer be read. So the key is kept
 * beside the database (created once, readable by its owner only).
 */
function webhookSecretKey(dataDir: string): string {
  const file = join(dataDir, 'webhook-secret.key');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    // A Fernet key is 32 random bytes in URL-safe base64, padding included.
    const key = randomBytes(32).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  }
}

export async function startMlflowServer(options: MlflowServerOptions): Promise<MlflowServer> {
  const port = options.port ?? DEFAULT_MLFLOW_PORT;
  if (!(await portIsFree(port))) {
    throw new Error(`Cannot start MLflow: port ${port} on 127.0.0.1 is already in use (another MLflow server?)`);
  }
  const dataDir = resolve(options.dataDir);
  mkdirSync(join(dataDir, 'artifacts'), { recursive: true });
  const url = `http://127.0.0.1:${port}`;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY: webhookSecretKey(dataDir),
    // The job runner (huey consumers) serves GenAI evaluation jobs, not the registry: without it
    // the server is two processes instead of eight on a small machine.
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
    MLFLOW_DISABLE_TELEMETRY: 'true',
  };
  if (options.allowLocalWebhooks === true) {
    env['MLFLOW_WEBHOOK_ALLOWED_SCHEMES'] = 'http,https';
    env['MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS'] = 'true';
  }

  const server = await startChildServer({
    name: 'MLflow',
    command: mlflowPath(),
    args: [
      'server',
      '--host', '127.0.0.1',
      '--port', String(port),
      // One worker process is plenty for a registry used by one team, and the machine may have two cores.
      '--workers', '1',
      '--backend-store-uri', `sqlite:///${join(dataDir, 'mlflow.db')}`,
      '--artifacts-destination', join(dataDir, 'artifacts'),
    ],
    env,
    ready: () => answersOk(`${url}/health`, (body) => body.trim() === 'OK'),
    readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
    log: options.log,
  });
  return { url, pid: server.pid, stop: server.stop };
}
