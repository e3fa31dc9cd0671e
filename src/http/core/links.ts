/**
 * Signed links and tokens, as JWTs (RFC 7519) signed with HS256 by `jose`. Two kinds, kept apart by
 * both the `typ` header and the `aud` claim, so one can never stand in for the other:
 *
 * - a review link's token names one reviewer, one review of one component and an expiry: whoever
 *   holds the link acts as that reviewer on that review, and nobody can change what it names
 *   without the secret;
 * - a person token (`mltrl token --as …`) names only a person: what the HTTP API's JSON clients
 *   present to act as someone.
 *
 * Every token carries `iss`, `aud`, `sub`, `iat`, `exp` and a random `jti`. Tokens are not
 * encrypted (a reviewer may read their own address in one); they are unforgeable.
 *
 * Rotation: tokens are always signed with the current secret; a previous secret, when configured,
 * is accepted for verification only, so links already in inboxes keep working while it is kept.
 *
 * They live with the HTTP server because they are its credentials and point at its routes
 * (`/review/<token>`, the component pages); the worker's mailer and `mltrl token` mint them for it.
 * Where the local stack keeps its secret is ../../local/linkSecret.ts.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { Email, Slug } from '../../../machines/model.js';

export const MIN_SECRET_LENGTH = 32;

const ISSUER = 'mltrl';
const ALGORITHM = 'HS256';
/** Longer than any token this server signs (about 500 characters); a longer one is not ours. */
const MAX_TOKEN_LENGTH = 2_048;
/** Three base64url segments, without padding: anything else (a `!!` appended, a `=`) is not a token. */
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export type GrantKind = 'person' | 'review';

/** `typ` header and `aud` claim of each kind. */
const KINDS: Record<GrantKind, { typ: string; aud: string }> = {
  person: { typ: 'mltrl-person+jwt', aud: 'mltrl:api' },
  review: { typ: 'mltrl-review+jwt', aud: 'mltrl:review' },
};

const ReviewGrant = z.strictObject({
  kind: z.literal('review'),
  reviewer: Email,
  projectId: Slug,
  componentId: Slug,
  reviewId: z.string().min(1).max(40),
  /** Milliseconds since the epoch (the token's `exp`, which counts whole seconds). */
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

/** The registered claims every token has; checked again after jose, so a claim of the wrong type is refused. */
const Registered = {
  iss: z.literal(ISSUER),
  sub: Email,
  iat: z.number().int().nonnegative(),
  exp: z.number().int().positive(),
  jti: z.string().min(1).max(64),
};
const ReviewClaims = z.strictObject({ ...Registered, aud: z.literal(KINDS.review.aud), projectId: Slug, componentId: Slug, reviewId: ReviewGrant.shape.reviewId });
const PersonClaims = z.strictObject({ ...Registered, aud: z.literal(KINDS.person.aud) });

/**
 * Why a token was refused: each gets its own page and status code. `wrong-kind` is a valid token of
 * the other kind (a person token opened as a review link, a review link where a person must act).
 */
export type TokenRefusal = 'malformed' | 'forged' | 'expired' | 'wrong-kind';

export type Verified<G extends Grant = Grant> = { ok: true; grant: G } | { ok: false; refusal: TokenRefusal };

export interface LinkSettings {
  secret: string;
  /** Accepted when verifying only, while tokens signed before a rotation are still in use. */
  previousSecret?: string | undefined;
  /** Where people reach the web page, e.g. http://127.0.0.1:8280 (no trailing slash needed). */
  publicUrl: string;
  /** How long a review link stays valid. */
  ttlMs: number;
  now?: () => number;
}

/** A component's page under the server's public address: where emails, MLflow tags and Slack messages point. */
export const componentPageUrl = (publicUrl: string, projectId: string, componentId: string) =>
  `${publicUrl.replace(/\/+$/, '')}/projects/${encodeURIComponent(projectId)}/components/${encodeURIComponent(componentId)}`;

export interface Links {
  sign(grant: Grant): Promise<string>;
  /** Verify a token of the expected kind (either kind when not given). */
  verify(token: string, expected: 'person'): Promise<Verified<PersonGrant>>;
  verify(token: string, expected: 'review'): Promise<Verified<ReviewGrant>>;
  verify(token: string, expected?: GrantKind): Promise<Verified>;
  /** A fresh review link for one reviewer on one review, valid for the configured time. */
  reviewUrl(grant: Omit<ReviewGrant, 'kind' | 'expiresAt'>): Promise<{ url: string; expiresAt: number }>;
  componentUrl(projectId: string, componentId: string): string;
  dashboardUrl(): string;
  personToken(email: string, ttlMs?: number): Promise<string>;
}

/**
 * Strict base64url: only canonical encodings. Decoders ignore stray characters and the unused low
 * bits of the last character, so without this check several spellings of one token all verify.
 */
function canonical(token: string): boolean {
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWT.test(token)) return false;
  return token.split('.').every((segment) => Buffer.from(segment, 'base64url').toString('base64url') === segment);
}

function refusalFor(error: unknown): TokenRefusal {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'forged';
  if (error instanceof errors.JWTClaimValidationFailed && (error.claim === 'typ' || error.claim === 'aud')) return 'wrong-kind';
  // Anything else jose refuses (bad JSON, another algorithm, a missing claim) is not a token we issued.
  return 'malformed';
}

function grantFrom(kind: GrantKind, payload: JWTPayload): Grant | undefined {
  if (kind === 'review') {
    const claims = ReviewClaims.safeParse(payload);
    if (!claims.success) return undefined;
    const { sub, exp, projectId, componentId, reviewId } = claims.data;
    return { kind: 'review', reviewer: sub, projectId, componentId, reviewId, expiresAt: exp * 1000 };
  }
  const claims = PersonClaims.safeParse(payload);
  if (!claims.success) return undefined;
  return { kind: 'person', email: claims.data.sub, expiresAt: claims.data.exp * 1000 };
}

export function createLinks(settings: LinkSettings): Links {
  if (settings.secret.length < MIN_SECRET_LENGTH) throw new Error(`the link secret must be at least ${MIN_SECRET_LENGTH} characters`);
  if (settings.previousSecret !== undefined && settings.previousSecret.length < MIN_SECRET_LENGTH) {
    throw new Error(`the previous link secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  const now = settings.now ?? Date.now;
  const base = settings.publicUrl.replace(/\/+$/, '');
  const encoder = new TextEncoder();
  const signingKey = encoder.encode(settings.secret);
  // The current secret first: after a rotation almost every token in use was signed with it.
  const verifyingKeys = [signingKey, ...(settings.previousSecret ? [encoder.encode(settings.previousSecret)] : [])];

  async function sign(input: Grant): Promise<string> {
    const grant = Grant.parse(input);
    const kind = KINDS[grant.kind];
    const claims = grant.kind === 'review' ? { projectId: grant.projectId, componentId: grant.componentId, reviewId: grant.reviewId } : {};
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, typ: kind.typ })
      .setIssuer(ISSUER)
      .setAudience(kind.aud)
      .setSubject(grant.kind === 'review' ? grant.reviewer : grant.email)
      .setIssuedAt(Math.floor(now() / 1000))
      .setExpirationTime(Math.floor(grant.expiresAt / 1000))
      .setJti(randomUUID())
      .sign(signingKey);
  }

  async function verifyWith(token: string, kind: GrantKind): Promise<Verified> {
    let refusal: TokenRefusal = 'forged';
    for (const key of verifyingKeys) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [ALGORITHM],
          issuer: ISSUER,
          audience: KINDS[kind].aud,
          typ: KINDS[kind].typ,
          requiredClaims: ['sub', 'iat', 'exp', 'jti'],
          currentDate: new Date(now()),
        });
        const grant = grantFrom(kind, payload);
        return grant ? { ok: true, grant } : { ok: false, refusal: 'malformed' };
      } catch (error) {
        refusal = refusalFor(error);
        // Only a signature mismatch is worth trying the previous secret for.
        if (refusal !== 'forged') break;
      }
    }
    return { ok: false, refusal };
  }

  async function verify(token: string, expected?: GrantKind): Promise<Verified> {
    if (!canonical(token)) return { ok: false, refusal: 'malformed' };
    if (expected) return verifyWith(token, expected);
    // Either kind: the header's `typ` says which to check for, and jwtVerify checks it (signed) again.
    let typ: unknown;
    try {
      typ = (JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as { typ?: unknown }).typ;
    } catch {
      return { ok: false, refusal: 'malformed' };
    }
    return verifyWith(token, typ === KINDS.review.typ ? 'review' : 'person');
  }

  return {
    sign,
    verify: verify as Links['verify'],
    async reviewUrl(grant) {
      const expiresAt = Math.floor((now() + settings.ttlMs) / 1000) * 1000;
      return { url: `${base}/review/${await sign({ kind: 'review', ...grant, expiresAt })}`, expiresAt };
    },
    componentUrl: (projectId, componentId) => componentPageUrl(base, projectId, componentId),
    dashboardUrl: () => `${base}/`,
    personToken: (email, ttlMs = settings.ttlMs) => sign({ kind: 'person', email, expiresAt: now() + ttlMs }),
  };
}
