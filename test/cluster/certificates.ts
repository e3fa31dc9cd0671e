/**
 * A throwaway public-key infrastructure for the mTLS test, made with the `openssl` binary: a CA, a
 * server certificate for 127.0.0.1 and localhost (good for server and client authentication, as
 * the Temporal server's own services present it to each other), a client certificate for mltrl,
 * and a second CA with a client certificate of its own that the server must not accept.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Signed by a CA the server does not trust. */
  strangerCert: string;
  strangerKey: string;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

/** A P-256 key (fast to make, accepted by Go's TLS, rustls and Node alike), PKCS#8 PEM. */
function key(path: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

function ca(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  key(keyFile);
  openssl([
    'req', '-x509', '-new', '-key', keyFile, '-out', cert, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert, key: keyFile };
}

function leaf(dir: string, name: string, signer: { cert: string; key: string }, extensions: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  key(keyFile);
  writeFileSync(ext, extensions);
  openssl(['req', '-new', '-key', keyFile, '-out', csr, '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', csr, '-CA', signer.cert, '-CAkey', signer.key, '-set_serial', `0x${Date.now().toString(16)}${name.length}`, '-days', '2', '-extfile', ext, '-out', cert]);
  return { cert, key: keyFile };
}

export function makeTestPki(dir: string): TestPki {
  const root = ca(dir, 'mltrl-test-ca');
  const server = leaf(dir, 'temporal-server', root, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth,clientAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '',
  ].join('\n'));
  const clientExtensions = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth', ''].join('\n');
  const client = leaf(dir, 'mltrl-worker', root, clientExtensions);
  const strangerCa = ca(dir, 'stranger-ca');
  const stranger = leaf(dir, 'stranger', strangerCa, clientExtensions);
  return {
    caCert: root.cert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    strangerCert: stranger.cert,
    strangerKey: stranger.key,
  };
}
