/**
 * mTLS end to end: the full Temporal server on PostgreSQL (src/local/cluster.ts) with its frontend
 * requiring client certificates signed by a test CA (test/cluster/certificates.ts). A worker
 * process (`npm run worker`, the native connection) and the CLI (a subprocess, the client
 * connection), given only Temporal's TEMPORAL_TLS_* variables, start a project and read and change
 * a component. Clients without a certificate, with one from another CA, or without TLS at all are
 * refused with one clear line.
 *
 * Needs PostgreSQL and the Temporal server binaries: `bash scripts/install-cluster-tools.sh`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresTemporal, type PostgresTemporal } from '../../src/local/cluster.js';
import { PROJECT_ROOT } from '../../src/local/temporalServer.js';
import type { ComponentStatus } from '../../workflows/definitions.js';
import { FULL_CARD, OWNER, project } from '../support/fixtures.js';
import { PATIENCE_MS } from '../support/patience.js';
import { makeTestPki, type TestPki } from './certificates.js';

const TASK_QUEUE = 'mltrl-mtls';
const BIN = join(PROJECT_ROOT, 'bin/mltrl.js');

let dir: string;
let dataDir: string;
let pki: TestPki;
let cluster: PostgresTemporal | undefined;
let worker: ChildProcess | undefined;
let workerBanner = '';

/** Only what a deployment sets: address, namespace, task queue and the TLS variables given. */
function environment(tls: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TEMPORAL_') && !name.startsWith('MLTRL_') && name !== 'SMTP_URL'));
  return { ...inherited, TEMPORAL_ADDRESS: cluster!.address, TEMPORAL_NAMESPACE: cluster!.namespace, MLTRL_TASK_QUEUE: TASK_QUEUE, ...tls };
}

/**
 * The server's name as its certificate carries it. Dialling 127.0.0.1 without it works too (the
 * certificate names the IP address), but Node then warns on stderr that an IP address is no TLS
 * server name (DEP0123), and the CLI's output must stay clean.
 */
const SERVER_NAME = { TEMPORAL_TLS_SERVER_NAME: 'localhost' };

const withCertificate = () => ({
  TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
  TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert,
  ...SERVER_NAME,
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function mltrl(tls: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: environment(tls), timeout: PATIENCE_MS }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

async function ok(...args: string[]): Promise<string> {
  const run = await mltrl(withCertificate(), ...args);
  expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: '' });
  return run.stdout;
}

/** `npm run worker` with the certificate; resolves with its start-up line. */
function startWorker(): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/workerMain.ts')], {
    cwd: PROJECT_ROOT,
    env: environment(withCertificate()),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker = child;
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready in 90 s:\n${output.join('\n')}`)), 90_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        output.push(line);
        if (line.startsWith('mltrl worker on task queue')) {
          clearTimeout(timer);
          resolve(line);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code ?? signal}) before it was ready:\n${output.join('\n')}`));
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mltrl-mtls-'));
  // Its own folder: as root, src/local/cluster.ts opens the data folder (not the ones above it) to PostgreSQL's user.
  dataDir = mkdtempSync(join(tmpdir(), 'mltrl-mtls-cluster-'));
  pki = makeTestPki(dir);
  cluster = await startPostgresTemporal({
    dataDir,
    mtls: { caCertFile: pki.caCert, serverCertFile: pki.serverCert, serverKeyFile: pki.serverKey },
  });
  workerBanner = await startWorker();
}, 240_000);

afterAll(async () => {
  if (worker && worker.exitCode === null && worker.signalCode === null) {
    const exited = new Promise((resolve) => worker!.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await cluster?.stop();
  for (const folder of [dir, dataDir]) if (folder) rmSync(folder, { recursive: true, force: true });
}, 60_000);

describe('Temporal with mTLS: the frontend requires a client certificate', () => {
  it('a worker and the CLI with a certificate start a project, read a component and change it', async () => {
    expect(workerBanner).toContain(`at ${cluster!.address} (TLS with a client certificate)`);

    const definition = project();
    const ref = `${definition.id}/anomaly-model`;
    writeFileSync(join(dir, 'project.json'), JSON.stringify(definition));
    const started = await ok('project', 'start', 'project.json');
    // The component workflow exists only once the worker ran the project workflow's first task.
    expect(started).toMatch(new RegExp(`${ref}\\s+0\\s+First principles`));

    const status = JSON.parse(await ok('status', ref, '--json')) as ComponentStatus;
    expect(status).toMatchObject({ level: 0, state: 'working', cardRevision: 0, openReview: null });

    // An update runs in the worker and answers through the frontend: both connections carry the certificate.
    writeFileSync(join(dir, 'card.json'), JSON.stringify({ hypotheses: FULL_CARD.hypotheses }));
    expect(await ok('card', 'update', ref, '--by', OWNER.email, '--patch', '@card.json')).toContain('card revision 1');
    expect(JSON.parse(await ok('status', ref, '--json'))).toMatchObject({ cardRevision: 1 });
  });

  it('a client without a certificate, with one from another CA, or without TLS is refused with one line', async () => {
    const refused = async (tls: Record<string, string>): Promise<string> => {
      const run = await mltrl(tls, 'status', 'any-project/any-component');
      const lines = run.stderr.trimEnd().split('\n');
      expect({ tls, code: run.code, stdout: run.stdout, lines: lines.length }).toEqual({ tls, code: 1, stdout: '', lines: 1 });
      expect(lines[0]).toContain(`cannot reach Temporal at ${cluster!.address}`);
      return lines[0];
    };

    const [noCertificate, stranger, plain] = await Promise.all([
      refused({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert, ...SERVER_NAME }),
      refused({ TEMPORAL_TLS_CLIENT_CERT_PATH: pki.strangerCert, TEMPORAL_TLS_CLIENT_KEY_PATH: pki.strangerKey, TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert, ...SERVER_NAME }),
      refused({}),
    ]);
    expect(noCertificate).toContain('(TLS)');
    expect(noCertificate).toMatch(/: the server requires a client certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH$/);
    expect(stranger).toContain('(TLS with a client certificate)');
    expect(stranger).toMatch(/: the server refused the client certificate in TEMPORAL_TLS_CLIENT_CERT_PATH: it must be signed by a CA the server trusts$/);
    expect(plain).toContain('(plain gRPC)');
    expect(plain).toMatch(/: the server speaks TLS: set TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
  });
});
