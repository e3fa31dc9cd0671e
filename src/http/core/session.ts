/**
 * Web sessions: who is signed in, kept in the browser as a JWT (HS256, `jose`) in an `HttpOnly`,
 * `SameSite=Lax` cookie (`Secure`, with the `__Host-` prefix, when the public URL is https). Nothing
 * is kept on the server, so any API process can read a session another one started.
 *
 * Two cookies, each its own `typ` and `aud` so neither can stand in for the other, nor for a review
 * link or person token (./links.ts):
 * - the session: the person's email and name, until MLTRL_SESSION_TTL has passed;
 * - the sign-in in progress: state, nonce, PKCE verifier and where to return, for ten minutes, on
 *   `/auth/` only. `SameSite=Lax` is what lets it come back on the provider's top-level redirect.
 *
 * The keys are derived (HKDF) from the link secret with their own label: one secret to configure
 * and rotate, and a session cookie still never verifies as a link. MLTRL_LINK_SECRET_PREVIOUS is
 * accepted for verifying, as it is for links, so a rotation does not sign everyone out.
 */
import { hkdfSync } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { CookieOptions } from 'hono/utils/cookie';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { DisplayName, Email } from '../../../machines/model.js';
import { MIN_SECRET_LENGTH } from './links.js';

/** Who is signed in. */
export const Person = z.strictObject({ email: Email, name: DisplayName });
export type Person = z.infer<typeof Person>;

/** A sign-in between leaving for the provider and coming back to /auth/callback. */
export const SignInFlow = z.strictObject({
  state: z.string().min(16).max(128),
  nonce: z.string().min(16).max(128),
  verifier: z.string().min(43).max(128),
  returnTo: z.string().max(2_000),
});
export type SignInFlow = z.infer<typeof SignInFlow>;

const ISSUER = 'mltrl';
const ALGORITHM = 'HS256';
const SIGN_IN_TTL_MS = 10 * 60_000;
const KINDS = {
  session: { typ: 'mltrl-session+jwt', aud: 'mltrl:web' },
  signIn: { typ: 'mltrl-sign-in+jwt', aud: 'mltrl:sign-in' },
} as const;

export interface SessionSettings {
  secret: string;
  previousSecret?: string | undefined;
  /** The public URL: https makes the cookies `Secure`. */
  publicUrl: string;
  ttlMs: number;
  now?: () => number;
}

export interface Sessions {
  /** The signed-in person, or undefined (no cookie, expired, altered: all mean signed out). */
  read(c: Context): Promise<Person | undefined>;
  start(c: Context, person: Person): Promise<void>;
  end(c: Context): void;
  beginSignIn(c: Context, flow: SignInFlow): Promise<void>;
  /** The sign-in in progress, removed as it is read: a callback is answered once. */
  takeSignIn(c: Context): Promise<SignInFlow | undefined>;
}

/** Only a path on this site, never `//host` or `/\host` (which browsers read as another site). */
export function localPath(returnTo: string | undefined): string {
  if (!returnTo || !/^\/(?![/\\])/.test(returnTo) || /[\u0000-\u001f]/.test(returnTo)) return '/';
  return returnTo;
}

function derive(secret: string, label: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'mltrl', label, 32));
}

export function createSessions(settings: SessionSettings): Sessions {
  if (settings.secret.length < MIN_SECRET_LENGTH) throw new Error(`the session secret must be at least ${MIN_SECRET_LENGTH} characters`);
  const now = settings.now ?? Date.now;
  const secure = new URL(settings.publicUrl).protocol === 'https:';
  const names = { session: secure ? '__Host-mltrl-session' : 'mltrl-session', signIn: secure ? '__Secure-mltrl-sign-in' : 'mltrl-sign-in' };
  const paths = { session: '/', signIn: '/auth/' };
  const secrets = [settings.secret, ...(settings.previousSecret ? [settings.previousSecret] : [])];
  const keys = {
    session: secrets.map((s) => derive(s, 'web session cookie')),
    signIn: secrets.map((s) => derive(s, 'web sign-in cookie')),
  };
  const options = (kind: keyof typeof KINDS, maxAgeMs?: number): CookieOptions => ({
    path: paths[kind],
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    ...(maxAgeMs === undefined ? {} : { maxAge: Math.floor(maxAgeMs / 1000) }),
  });

  async function sign(kind: keyof typeof KINDS, subject: string, claims: Record<string, unknown>, ttlMs: number): Promise<string> {
    const at = Math.floor(now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, typ: KINDS[kind].typ })
      .setIssuer(ISSUER)
      .setAudience(KINDS[kind].aud)
      .setSubject(subject)
      .setIssuedAt(at)
      .setExpirationTime(at + Math.floor(ttlMs / 1000))
      .sign(keys[kind][0]);
  }

  async function verify(kind: keyof typeof KINDS, token: string | undefined): Promise<JWTPayload | undefined> {
    if (token === undefined || token.length > 4_096) return undefined;
    for (const key of keys[kind]) {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: [ALGORITHM], issuer: ISSUER, audience: KINDS[kind].aud, typ: KINDS[kind].typ, requiredClaims: ['sub', 'exp'], currentDate: new Date(now()) });
        return payload;
      } catch {
        // Another key may have signed it (a rotation); otherwise it is not ours, or has expired.
      }
    }
    return undefined;
  }

  return {
    async read(c) {
      const token = getCookie(c, names.session);
      const payload = await verify('session', token);
      const person = payload ? Person.safeParse({ email: payload.sub, name: payload['name'] }) : undefined;
      if (person?.success) return person.data;
      // An altered or expired cookie is worth nothing: drop it rather than send it again and again.
      if (token !== undefined) deleteCookie(c, names.session, options('session'));
      return undefined;
    },
    async start(c, person) {
      setCookie(c, names.session, await sign('session', person.email, { name: person.name }, settings.ttlMs), options('session', settings.ttlMs));
    },
    end(c) {
      deleteCookie(c, names.session, options('session'));
    },
    async beginSignIn(c, flow) {
      const { state, ...rest } = SignInFlow.parse(flow);
      setCookie(c, names.signIn, await sign('signIn', state, rest, SIGN_IN_TTL_MS), options('signIn', SIGN_IN_TTL_MS));
    },
    async takeSignIn(c) {
      const token = getCookie(c, names.signIn);
      if (token !== undefined) deleteCookie(c, names.signIn, options('signIn'));
      const payload = await verify('signIn', token);
      if (!payload) return undefined;
      const flow = SignInFlow.safeParse({ state: payload.sub, nonce: payload['nonce'], verifier: payload['verifier'], returnTo: payload['returnTo'] });
      return flow.success ? flow.data : undefined;
    },
  };
}
