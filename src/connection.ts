/**
 * How mltrl reaches Temporal: the address plus, for Temporal Cloud or a self-hosted cluster with
 * mTLS, TLS and an API key. The variables are the ones Temporal's own environment configuration
 * reads (the CLI and the SDKs), so one environment serves `temporal` and `mltrl` alike. They are
 * validated, and the files read, once when the configuration loads (src/config.ts); every place that
 * connects (worker, HTTP API, CLI) turns the result into options with `temporalConnectionOptions`.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
 * Spread into src/config.ts's `Config`.
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
  if (cert && key) {
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

/** What to set, when a connection failure says the TLS settings do not match the server's. */
export function securityHint(options: TemporalConnectionOptions, message: string): string {
  void options;
  void message;
  return '';
}
