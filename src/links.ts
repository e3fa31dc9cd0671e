/**
 * Signed links. A review link carries a token that names one reviewer, one review of one component
 * and an expiry, signed with HMAC-SHA256 under the configured secret: whoever holds the link acts
 * as that reviewer on that review, and nobody can change what it names without the secret.
 * A person token names only a person: what the HTTP API's JSON clients present to act as someone.
 *
 * Tokens are `v1.<payload>.<signature>`, both parts base64url. They are not encrypted (a reviewer
 * may read their own email address in it); they are unforgeable.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { Email, Slug } from '../machines/model.js';
import { DATA_DIR } from './temporalServer.js';

export const MIN_SECRET_LENGTH = 32;
const VERSION = 'v1';

const ReviewGrant = z.strictObject({
  kind: z.literal('review'),
  reviewer: Email,
  projectId: Slug,
  componentId: Slug,
  reviewId: z.string().min(1).max(40),
  expiresAt: z.number().int().positive(),
});
export type ReviewGrant = z.infer<typeof ReviewGrant>;

const PersonGrant = z.strictObject({
  kind: z.literal('person'),
  email: Email,
  expiresAt: z.number().int().positive(),
});
export type PersonGrant = z.infer<typeof PersonGrant>;

const Grant = z.discriminatedUnion('kind', [ReviewGrant, PersonGrant]);
export type Grant = z.infer<typeof Grant>;

/** Why a token was refused: each gets its own page and status code. */
export type TokenRefusal = 'malformed' | 'forged' | 'expired';

export type Verified<G extends Grant = Grant> = { ok: true; grant: G } | { ok: false; refusal: TokenRefusal };

export interface LinkSettings {
  secret: string;
  /** Where people reach the web page, e.g. http://127.0.0.1:8280 (no trailing slash needed). */
  publicUrl: string;
  /** How long a review link stays valid. */
  ttlMs: number;
  now?: () => number;
}

export interface Links {
  sign(grant: Grant): string;
  verify(token: string): Verified;
  /** A fresh review link for one reviewer on one review, valid for the configured time. */
  reviewUrl(grant: Omit<ReviewGrant, 'kind' | 'expiresAt'>): { url: string; expiresAt: number };
  componentUrl(projectId: string, componentId: string): string;
  dashboardUrl(): string;
  personToken(email: string, ttlMs?: number): string;
}

export function createLinks(settings: LinkSettings): Links {
  if (settings.secret.length < MIN_SECRET_LENGTH) throw new Error(`the link secret must be at least ${MIN_SECRET_LENGTH} characters`);
  const now = settings.now ?? Date.now;
  const base = settings.publicUrl.replace(/\/+$/, '');
  const mac = (data: string) => createHmac('sha256', settings.secret).update(data).digest();

  function sign(grant: Grant): string {
    const payload = Buffer.from(JSON.stringify(Grant.parse(grant))).toString('base64url');
    const signed = `${VERSION}.${payload}`;
    return `${signed}.${mac(signed).toString('base64url')}`;
  }

  function verify(token: string): Verified {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION || !parts[1] || !parts[2]) return { ok: false, refusal: 'malformed' };
    const expected = mac(`${parts[0]}.${parts[1]}`);
    const given = Buffer.from(parts[2], 'base64url');
    // Constant-time comparison, so the signature cannot be guessed byte by byte from response times.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, refusal: 'forged' };
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return { ok: false, refusal: 'malformed' };
    }
    const grant = Grant.safeParse(decoded);
    if (!grant.success) return { ok: false, refusal: 'malformed' };
    if (grant.data.expiresAt <= now()) return { ok: false, refusal: 'expired' };
    return { ok: true, grant: grant.data };
  }

  return {
    sign,
    verify,
    reviewUrl(grant) {
      const expiresAt = now() + settings.ttlMs;
      return { url: `${base}/review/${sign({ kind: 'review', ...grant, expiresAt })}`, expiresAt };
    },
    componentUrl: (projectId, componentId) => `${base}/projects/${projectId}/components/${componentId}`,
    dashboardUrl: () => `${base}/`,
    personToken: (email, ttlMs = settings.ttlMs) => sign({ kind: 'person', email, expiresAt: now() + ttlMs }),
  };
}

/** Where `npm start` keeps the secret it generates, so links in the inbox survive a restart. */
export const LINK_SECRET_FILE = join(DATA_DIR, 'link-secret');

/** The configured secret, else the local stack's, if `npm start` has made one. */
export function configuredLinkSecret(configured: string | undefined, file = LINK_SECRET_FILE): string | undefined {
  if (configured) return configured;
  if (!existsSync(file)) return undefined;
  const local = readFileSync(file, 'utf8').trim();
  return local.length >= MIN_SECRET_LENGTH ? local : undefined;
}

/**
 * The secret for a local stack: the one in `file` if present, else a new random one written there
 * (readable by its owner only), so `npm start` signs links without any setup and links survive a
 * restart.
 */
export function localLinkSecret(file: string): string {
  if (existsSync(file)) {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= MIN_SECRET_LENGTH) return existing;
  }
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
