/**
 * A real Keycloak for one test file, in development mode on loopback: the pinned distribution that
 * scripts/install-keycloak.sh unpacks into tools/keycloak/ (or $KEYCLOAK_HOME), with the realm of
 * docs/keycloak/mltrl-realm.json imported at start (`--import-realm`), its client pointed at the web app
 * under test and given a secret, and the users a test asks for.
 *
 * Each start gets a Keycloak home of its own in a temporary folder: kc.sh copied (it finds its home
 * from its own path), the installed lib/, conf/, themes/ and providers/ linked, and data/ (the H2
 * database, the realm to import) its own, removed on stop. So tests never write into the install,
 * and a start reuses the dev-mode build the install made (about 20 s instead of a minute).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { answersOk, startChildServer } from '../../src/local/childServer.js';
import { isExecutableFile } from '../../src/local/processes.js';
import { PROJECT_ROOT } from '../../src/local/temporalServer.js';
import { PATIENCE_MS } from './patience.js';

/** Where scripts/install-keycloak.sh unpacks the pinned distribution. */
export const BUNDLED_KEYCLOAK_HOME = join(PROJECT_ROOT, 'tools', 'keycloak');

/** The realm and client a company would import: the README's Keycloak settings, as a file. */
export const REALM_FILE = join(PROJECT_ROOT, 'docs', 'keycloak', 'mltrl-realm.json');

export interface KeycloakUser {
  username: string;
  email: string;
  emailVerified: boolean;
  firstName: string;
  lastName: string;
  password: string;
}

export interface KeycloakOptions {
  /** The web app's `<public URL>/auth/callback`. */
  redirectUri: string;
  /** Where Keycloak may send the browser after its own sign-out (the web app's `<public URL>/`). */
  postLogoutRedirectUri: string;
  users: KeycloakUser[];
}

export interface TestKeycloak {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** The realm's issuer, `<url>/realms/<realm>`: MLTRL_OIDC_ISSUER. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The Keycloak release that answered, from its distribution's version.txt. */
  version: string;
  stop(): Promise<void>;
}

/** `$KEYCLOAK_HOME`, else the copy scripts/install-keycloak.sh unpacks in tools/keycloak. */
export function keycloakHome(): string {
  const fromEnv = process.env['KEYCLOAK_HOME'];
  if (fromEnv !== undefined && fromEnv !== '') {
    const home = isAbsolute(fromEnv) ? fromEnv : resolve(fromEnv);
    if (isExecutableFile(join(home, 'bin', 'kc.sh'))) return home;
    throw new Error(`KEYCLOAK_HOME is set to ${fromEnv}, which has no executable bin/kc.sh`);
  }
  if (isExecutableFile(join(BUNDLED_KEYCLOAK_HOME, 'bin', 'kc.sh'))) return BUNDLED_KEYCLOAK_HOME;
  throw new Error(`Keycloak was not found at ${BUNDLED_KEYCLOAK_HOME}: run scripts/install-keycloak.sh, or set KEYCLOAK_HOME`);
}

interface RealmFile {
  realm: string;
  clients: [{ clientId: string; redirectUris: string[]; attributes: Record<string, string> } & Record<string, unknown>];
}

/** docs/keycloak/mltrl-realm.json with its client pointed at the app under test, and the test's users. */
export function realmFor(options: KeycloakOptions, clientSecret: string): RealmFile & Record<string, unknown> {
  const realm = JSON.parse(readFileSync(REALM_FILE, 'utf8')) as RealmFile & Record<string, unknown>;
  const [client] = realm.clients;
  return {
    ...realm,
    clients: [
      {
        ...client,
        secret: clientSecret,
        redirectUris: [options.redirectUri],
        attributes: { ...client.attributes, 'post.logout.redirect.uris': options.postLogoutRedirectUri },
      },
    ],
    users: options.users.map((u) => ({
      username: u.username,
      email: u.email,
      emailVerified: u.emailVerified,
      firstName: u.firstName,
      lastName: u.lastName,
      enabled: true,
      credentials: [{ type: 'password', value: u.password, temporary: false }],
    })),
  };
}

const LISTENING = /Listening on: http:\/\/127\.0\.0\.1:(\d+)/;

export async function startTestKeycloak(options: KeycloakOptions): Promise<TestKeycloak> {
  const installed = keycloakHome();
  const home = mkdtempSync(join(tmpdir(), 'mltrl-keycloak-'));
  const clientSecret = randomBytes(24).toString('base64url');
  const realm = realmFor(options, clientSecret);
  try {
    mkdirSync(join(home, 'bin'));
    mkdirSync(join(home, 'data', 'import'), { recursive: true });
    copyFileSync(join(installed, 'bin', 'kc.sh'), join(home, 'bin', 'kc.sh'));
    for (const part of ['conf', 'lib', 'providers', 'themes']) symlinkSync(join(installed, part), join(home, part));
    writeFileSync(join(home, 'data', 'import', `${realm.realm}-realm.json`), JSON.stringify(realm, null, 2));
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }

  // Port 0: Keycloak takes a free port itself and says which; nothing can take it in between.
  let port: number | undefined;
  const echo = process.env['MLTRL_TEST_SERVER_LOG'] === '1';
  const server = await startChildServer({
    name: 'Keycloak',
    command: join(home, 'bin', 'kc.sh'),
    args: ['start-dev', '--http-host', '127.0.0.1', '--http-port', '0', '--import-realm'],
    // A temporary administrator, for looking around in the admin console while a test runs.
    env: { ...process.env, KC_BOOTSTRAP_ADMIN_USERNAME: 'admin', KC_BOOTSTRAP_ADMIN_PASSWORD: randomBytes(18).toString('base64url') },
    ready: async () => port !== undefined && answersOk(`http://127.0.0.1:${port}/realms/${realm.realm}/.well-known/openid-configuration`),
    // A start on a busy 2-core machine: the JVM, the database schema, the realm import.
    readyTimeoutMs: 3 * PATIENCE_MS,
    log: (line) => {
      port ??= Number(LISTENING.exec(line)?.[1]) || undefined;
      if (echo) console.error(`[keycloak] ${line}`);
    },
  }).catch((error: unknown) => {
    rmSync(home, { recursive: true, force: true });
    throw error;
  });
  const url = `http://127.0.0.1:${port!}`;
  return {
    url,
    issuer: `${url}/realms/${realm.realm}`,
    clientId: realm.clients[0].clientId,
    clientSecret,
    version: readFileSync(join(installed, 'version.txt'), 'utf8').trim(),
    async stop() {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
