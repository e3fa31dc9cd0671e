/**
 * The connection-security variables (src/runtime/connection.ts through loadConfig): each rule refuses with
 * one line naming the variable, files are read at load, and the one mapping to connection options
 * turns TLS on exactly when Temporal's own clients do. The handshake itself is proven against a real
 * server in test/cluster/mtls.test.ts.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSecureServer, createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientError, connect } from '../../src/runtime/client.js';
import { ConfigError, loadConfig } from '../../src/runtime/config.js';
import { describeSecurity, temporalConnectionOptions } from '../../src/runtime/connection.js';
import { makeTestPki, type TestPki } from '../cluster/certificates.js';

let dir: string;
let pki: TestPki;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mltrl-tls-config-'));
  pki = makeTestPki(dir);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The error line loadConfig throws for `env`. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
}

describe('Temporal connection security from the environment', () => {
  it('mTLS: reads the certificate, key and CA at load and passes their contents to both connection kinds', () => {
    const mountedCa = join(dir, 'mounted-ca.pem');
    copyFileSync(pki.caCert, mountedCa);
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: mountedCa,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    const options = temporalConnectionOptions(config);
    expect(options.address).toBe('temporal.internal:7233');
    expect(options.apiKey).toBeUndefined();
    expect(options.tls).not.toBe(false);
    const tls = options.tls === false ? undefined : options.tls;
    expect(tls?.serverNameOverride).toBe('localhost');
    expect(tls?.clientCertPair?.crt.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(tls?.clientCertPair?.key.toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(tls?.serverRootCACertificate?.toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(describeSecurity(options)).toBe('TLS with a client certificate');

    // Read once: the files may go away (a rotated secret mount) without the loaded config changing.
    rmSync(mountedCa);
    expect(temporalConnectionOptions(config).tls).toEqual(tls);
  });

  it('an API key turns TLS on, as Temporal Cloud requires; TEMPORAL_TLS=false turns it off again', () => {
    const cloud = temporalConnectionOptions(loadConfig({ TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'eyJhbGciOi.abc-123_xyz' }));
    expect(cloud).toEqual({ address: 'eu-west-1.aws.api.temporal.io:7233', tls: {}, apiKey: 'eyJhbGciOi.abc-123_xyz' });
    expect(describeSecurity(cloud)).toBe('TLS with an API key');

    const proxied = temporalConnectionOptions(loadConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS: 'false' }));
    expect(proxied).toEqual({ address: 'localhost:7233', tls: false, apiKey: 'k' });
    expect(describeSecurity(proxied)).toMatch(/plain gRPC with an API key/);
  });

  it('nothing set is plain gRPC; TEMPORAL_TLS=true alone is TLS with the system CAs', () => {
    expect(temporalConnectionOptions(loadConfig({}))).toEqual({ address: 'localhost:7233', tls: false });
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_TLS: 'true' })).tls).toEqual({});
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert })).tls).toHaveProperty('serverRootCACertificate');
  });

  it('a certificate without its key, or a key without its certificate, names both variables', () => {
    expect(refusal({ TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert })).toBe(
      'configuration: TEMPORAL_TLS_CLIENT_KEY_PATH: required when TEMPORAL_TLS_CLIENT_CERT_PATH is set: a client certificate is presented with its private key',
    );
    expect(refusal({ TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey })).toMatch(/^configuration: TEMPORAL_TLS_CLIENT_CERT_PATH: required when TEMPORAL_TLS_CLIENT_KEY_PATH is set/);
  });

  it('a certificate and a key whose paths are both too long are each named, and never compared (found by fuzzing)', () => {
    const message = refusal({ TEMPORAL_TLS_CLIENT_CERT_PATH: 'x'.repeat(100_001), TEMPORAL_TLS_CLIENT_KEY_PATH: 'y'.repeat(20_001) });
    expect(message).toContain('TEMPORAL_TLS_CLIENT_CERT_PATH: must be a file path of at most 4096 characters');
    expect(message).toContain('TEMPORAL_TLS_CLIENT_KEY_PATH: must be a file path of at most 4096 characters');
  });

  it('a key that does not belong to the certificate is refused before any connection', () => {
    expect(refusal({ TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: pki.strangerKey })).toBe(
      'configuration: TEMPORAL_TLS_CLIENT_KEY_PATH: is not the private key of the certificate in TEMPORAL_TLS_CLIENT_CERT_PATH',
    );
  });

  it('a path that does not exist, is a folder, is unreadable or holds something else names its variable, all at once', () => {
    const notPem = join(dir, 'notes.txt');
    writeFileSync(notPem, 'not a certificate');
    const message = refusal({
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'missing.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientCert,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: dir,
    });
    expect(message).toContain(`TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read "${join(dir, 'missing.pem')}": no such file`);
    expect(message).toContain('TEMPORAL_TLS_CLIENT_KEY_PATH: ');
    expect(message).toContain('does not hold a private key in PEM form');
    expect(message).toContain('TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read');
    expect(message).toContain('is a folder, not a file');
    expect(message).not.toContain('\n');
    expect(refusal({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: notPem })).toMatch(/^configuration: TEMPORAL_TLS_SERVER_CA_CERT_PATH: ".*notes\.txt" does not hold a CA certificate in PEM form/);

    // Root reads any file whatever its mode: the permission case only exists for other users.
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked.pem');
      writeFileSync(locked, 'x');
      chmodSync(locked, 0o000);
      expect(refusal({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: locked })).toMatch(/TEMPORAL_TLS_SERVER_CA_CERT_PATH: cannot read ".*locked\.pem": not readable \(permission denied\)/);
    }
  });

  it('TLS settings with TEMPORAL_TLS=false contradict each other; bad values name their variable', () => {
    expect(refusal({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert })).toBe(
      'configuration: TEMPORAL_TLS_SERVER_CA_CERT_PATH: is a TLS setting, and TEMPORAL_TLS is false: unset one of them',
    );
    expect(refusal({ TEMPORAL_TLS: 'maybe' })).toBe('configuration: TEMPORAL_TLS: must be true or false');
    expect(refusal({ TEMPORAL_API_KEY: 'two words' })).toMatch(/^configuration: TEMPORAL_API_KEY: must be printable ASCII without spaces/);
    expect(refusal({ TEMPORAL_TLS_SERVER_NAME: 'not a host' })).toMatch(/^configuration: TEMPORAL_TLS_SERVER_NAME: must be a host name/);
    // A long path is shortened in the message, which stays one short line.
    expect(refusal({ TEMPORAL_TLS_CLIENT_CERT_PATH: `/${'a'.repeat(3000)}` }).length).toBeLessThan(200);
  });
});

/** Starts `server` on a free port of 127.0.0.1; resolves with its address. */
async function listening(server: Http2Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** connect()'s refusal for `env`: a ClientError whose message ends with what to change. */
async function refusedConnection(env: Record<string, string>): Promise<string> {
  const error: unknown = await connect(loadConfig(env)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ClientError);
  expect((error as ClientError).kind).toBe('unavailable');
  return (error as Error).message;
}

describe('a refused handshake says what to set', () => {
  // A real TLS server that requires client certificates stands in for Temporal's frontend here
  // (the handshake is all these cases reach); test/cluster/mtls.test.ts covers the real frontend.
  let secure: Http2Server;
  let plain: Http2Server;
  beforeAll(() => {
    secure = createSecureServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey), ca: readFileSync(pki.caCert), requestCert: true, rejectUnauthorized: true });
    plain = createServer();
  });
  afterAll(() => {
    secure?.close();
    plain?.close();
  });

  it("an unknown server CA, a name the server's certificate lacks, TLS against a plain server", async () => {
    const [secureAddress, plainAddress] = await Promise.all([listening(secure), listening(plain)]);
    const client = { TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKey };
    const [unknownCa, wrongName, notTls] = await Promise.all([
      refusedConnection({ TEMPORAL_ADDRESS: secureAddress, ...client, TEMPORAL_TLS_SERVER_NAME: 'localhost' }),
      refusedConnection({ TEMPORAL_ADDRESS: secureAddress, ...client, TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCert, TEMPORAL_TLS_SERVER_NAME: 'temporal.other.example' }),
      refusedConnection({ TEMPORAL_ADDRESS: plainAddress, TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: 'localhost' }),
    ]);
    expect(unknownCa).toMatch(new RegExp(`^cannot reach Temporal at ${secureAddress} \\(TLS with a client certificate\\): .*: the server's certificate is not signed by a CA this client trusts: set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that signed it$`));
    expect(wrongName).toMatch(/: the server's certificate does not carry the name in TEMPORAL_TLS_SERVER_NAME$/);
    expect(notTls).toMatch(/\(TLS\): .*: the server does not speak TLS: unset the TLS variables, or set TEMPORAL_TLS=false$/);
  });
});
