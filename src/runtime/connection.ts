/**
 * How mltrl reaches Temporal: the address plus, for Temporal Cloud or a self-hosted cluster with
 * mTLS, TLS and an API key. The variables are the ones Temporal's own environment configuration
 * reads (the CLI and the SDKs), so one environment serves `temporal` and `mltrl` alike. They are
 * validated, and the files read, once when the configuration loads (src/runtime/config.ts); every place that
 * connects (worker, HTTP API, CLI) turns the result into options with `temporalConnectionOptions`.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { TLSConfig } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from './config.js';

/** A PEM file read at load, kept with its path for messages. */
export interface PemFile {
  path: string;
  pem: Buffer;
}

const NODE_FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'not readable (permission denied)',
  EPERM: 'not readable (permission denied)',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  ENAMETOOLONG: 'the path is too long',
};

/** A path short enough for a one-line error. */
const shown = (path: string) => JSON.stringify(path.length > 80 ? `${path.slice(0, 77)}...` : path);

/** A path to a PEM file, read now; `check` says what is wrong with its contents, if anything. */
function pemFile(what: string, check: (pem: Buffer) => void) {
  return z
    .string()
    .max(4096, 'must be a file path of at most 4096 characters')
    .transform((path, ctx): PemFile => {
      let pem: Buffer;
      try {
        pem = readFileSync(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        ctx.addIssue({ code: 'custom', message: `cannot read ${shown(path)}: ${NODE_FILE_ERRORS[code] ?? (code || 'unreadable')}`, input: path });
        return z.NEVER;
      }
      try {
        check(pem);
      } catch {
        ctx.addIssue({ code: 'custom', message: `${shown(path)} does not hold ${what} in PEM form (-----BEGIN ...-----)`, input: path });
        return z.NEVER;
      }
      return { path, pem };
    });
}

const certificate = (pem: Buffer) => new X509Certificate(pem);

/**
 * The variables, by Temporal's names (docs.temporal.io/references/client-environment-configuration).
 * Spread into src/runtime/config.ts's `Config`.
 */
export const TEMPORAL_SECURITY_VARIABLES = {
  /**
   * Temporal Cloud's API key, sent as `Authorization: Bearer …`. Setting it turns TLS on, as
   * Temporal Cloud requires; TEMPORAL_TLS=false turns it off again (e.g. a local proxy that
   * terminates TLS), which sends the key in clear text.
   */
  TEMPORAL_API_KEY: z
    .string()
    .max(8192, 'must be at most 8192 characters')
    // It travels as a gRPC header: printable ASCII, no spaces.
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces (the key as Temporal Cloud shows it)')
    .optional(),
  /** `true` or `false`; unset, TLS is on as soon as any of the other variables here is set. */
  TEMPORAL_TLS: z.stringbool({ error: 'must be true or false' }).optional(),
  /** The client certificate for mTLS; needs TEMPORAL_TLS_CLIENT_KEY_PATH. */
  TEMPORAL_TLS_CLIENT_CERT_PATH: pemFile('a certificate', certificate).optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: pemFile('a private key', (pem) => createPrivateKey(pem)).optional(),
  /** The CA that signed the server's certificate, when the system's trusted CAs did not (self-hosted). */
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: pemFile('a CA certificate', certificate).optional(),
  /** The name the server's certificate must carry, when it is not the host in TEMPORAL_ADDRESS. */
  TEMPORAL_TLS_SERVER_NAME: z
    .string()
    .max(253, 'must be a host name of at most 253 characters')
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'must be a host name, e.g. temporal.internal.example')
    .optional(),
};

export type TemporalSecurity = z.output<z.ZodObject<typeof TEMPORAL_SECURITY_VARIABLES>>;

const TLS_SETTINGS = ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_NAME'] as const;

/** The rules between the variables, for `Config`'s superRefine: each issue names the variable to change. */
export function checkTemporalSecurity(config: TemporalSecurity, ctx: z.RefinementCtx): void {
  const cert = config.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const key = config.TEMPORAL_TLS_CLIENT_KEY_PATH;
  if (cert && !key) {
    ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_CLIENT_KEY_PATH'], message: 'required when TEMPORAL_TLS_CLIENT_CERT_PATH is set: a client certificate is presented with its private key' });
  }
  if (key && !cert) {
    ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_CLIENT_CERT_PATH'], message: 'required when TEMPORAL_TLS_CLIENT_KEY_PATH is set: a client certificate is presented with its private key' });
  }
  // Zod still runs this when a path failed its own checks (too long, say), and then the value is the
  // path as given, not the file read: only two files that were read can be compared.
  if (typeof cert === 'object' && typeof key === 'object') {
    const x509 = new X509Certificate(cert.pem);
    if (!x509.checkPrivateKey(createPrivateKey(key.pem))) {
      ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_CLIENT_KEY_PATH'], message: 'is not the private key of the certificate in TEMPORAL_TLS_CLIENT_CERT_PATH' });
    }
    // A handshake with an expired certificate fails with a message about the connection, not the file.
    if (Date.parse(x509.validTo) < Date.now()) {
      ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_CLIENT_CERT_PATH'], message: `the certificate expired on ${new Date(x509.validTo).toISOString()}` });
    }
  }
  if (config.TEMPORAL_TLS === false) {
    for (const name of TLS_SETTINGS.filter((setting) => config[setting] !== undefined)) {
      ctx.addIssue({ code: 'custom', path: [name], message: 'is a TLS setting, and TEMPORAL_TLS is false: unset one of them' });
    }
  }
}

/** What both `Connection.connect` (client) and `NativeConnection.connect` (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  /** `false`: plain gRPC. */
  tls: TLSConfig | false;
  apiKey?: string;
}

/**
 * The one mapping from configuration to connection options. TLS is on when TEMPORAL_TLS says so,
 * else as soon as an API key or any TLS setting is given (as Temporal's CLI and SDKs decide).
 */
export function temporalConnectionOptions(config: Pick<Config, 'TEMPORAL_ADDRESS'> & Partial<TemporalSecurity>): TemporalConnectionOptions {
  const apiKey = config.TEMPORAL_API_KEY;
  const implied = apiKey !== undefined || TLS_SETTINGS.some((setting) => config[setting] !== undefined);
  const cert = config.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const key = config.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const tls: TLSConfig | false =
    (config.TEMPORAL_TLS ?? implied)
      ? {
          ...(cert && key ? { clientCertPair: { crt: cert.pem, key: key.pem } } : {}),
          ...(config.TEMPORAL_TLS_SERVER_CA_CERT_PATH ? { serverRootCACertificate: config.TEMPORAL_TLS_SERVER_CA_CERT_PATH.pem } : {}),
          ...(config.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME } : {}),
        }
      : false;
  return { address: config.TEMPORAL_ADDRESS, tls, ...(apiKey !== undefined ? { apiKey } : {}) };
}

/** One line for logs: how the connection is secured, never the secrets. */
export function describeSecurity(options: TemporalConnectionOptions): string {
  if (options.tls === false) return options.apiKey !== undefined ? 'plain gRPC with an API key (TEMPORAL_TLS=false)' : 'plain gRPC';
  const extras = [options.tls.clientCertPair ? 'a client certificate' : '', options.apiKey !== undefined ? 'an API key' : ''].filter(Boolean);
  return extras.length > 0 ? `TLS with ${extras.join(' and ')}` : 'TLS';
}

const TLS_PROBE_MS = 2_000;

/** How a bare TLS handshake with the server ends: Node's error code, `ok`, or `plain` (no TLS answer). */
function probeTls(options: TemporalConnectionOptions, verify: boolean): Promise<string> {
  const match = /^\[?(.*?)\]?:(\d+)$/.exec(options.address);
  if (!match) return Promise.resolve('unknown');
  const [, host = '', port = '0'] = match;
  const tlsOptions = options.tls === false ? {} : options.tls;
  const servername = tlsOptions.serverNameOverride ?? (isIP(host) ? undefined : host);
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port: Number(port),
      ALPNProtocols: ['h2'],
      rejectUnauthorized: verify,
      ...(servername !== undefined ? { servername } : {}),
      ...(tlsOptions.serverRootCACertificate ? { ca: Buffer.from(tlsOptions.serverRootCACertificate) } : {}),
      ...(tlsOptions.clientCertPair ? { cert: Buffer.from(tlsOptions.clientCertPair.crt), key: Buffer.from(tlsOptions.clientCertPair.key) } : {}),
    });
    let handshaken = false;
    const done = (outcome: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    // In TLS 1.3 a server refuses a client's certificate (or its absence) only after the client's
    // side of the handshake is done: keep reading a moment for that alert.
    const timer = setTimeout(() => done(handshaken ? 'ok' : 'timeout'), TLS_PROBE_MS);
    socket.once('secureConnect', () => {
      handshaken = true;
      socket.resume();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
    socket.once('close', () => done(handshaken ? 'closed' : 'plain'));
  });
}

/**
 * After a failed connection: what to change, found by a bare TLS handshake with the server, since
 * gRPC reports a refused handshake as a connection that timed out. Empty when the handshake is not
 * the problem.
 */
export async function diagnoseConnection(options: TemporalConnectionOptions): Promise<string> {
  if (options.tls === false) {
    const outcome = await probeTls(options, false);
    const speaksTls = outcome === 'ok' || outcome === 'closed' || outcome.startsWith('ERR_SSL_TLSV1') || outcome.startsWith('ERR_SSL_SSLV3');
    return speaksTls ? 'the server speaks TLS: set TEMPORAL_TLS_SERVER_CA_CERT_PATH (and a client certificate if it asks for one), or TEMPORAL_TLS=true' : '';
  }
  const outcome = await probeTls(options, true);
  const withCertificate = options.tls.clientCertPair !== undefined;
  if (/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/.test(outcome) && !withCertificate) {
    return 'the server requires a client certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH';
  }
  if (/ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED|DECRYPT_ERROR)|HANDSHAKE_FAILURE/.test(outcome) || (outcome === 'closed' && withCertificate)) {
    return 'the server refused the client certificate in TEMPORAL_TLS_CLIENT_CERT_PATH: it must be signed by a CA the server trusts';
  }
  if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY|CERT_UNTRUSTED/.test(outcome)) {
    return "the server's certificate is not signed by a CA this client trusts: set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed it";
  }
  if (outcome === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return options.tls.serverNameOverride !== undefined
      ? "the server's certificate does not carry the name in TEMPORAL_TLS_SERVER_NAME"
      : "the server's certificate does not carry the host name in TEMPORAL_ADDRESS: set TEMPORAL_TLS_SERVER_NAME to a name it carries";
  }
  if (outcome === 'CERT_HAS_EXPIRED') return "the server's certificate has expired";
  if (outcome === 'ERR_SSL_WRONG_VERSION_NUMBER' || outcome === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || outcome === 'plain') {
    return 'the server does not speak TLS: unset the TLS variables, or set TEMPORAL_TLS=false';
  }
  return '';
}
