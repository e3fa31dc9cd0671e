/**
 * Who is acting, for the HTTP API: always from a signed token in `Authorization: Bearer …`, never
 * from an email address in the body. One helper per requirement, so each route says which kind of
 * token it takes and for what:
 *
 * - `personGrant`: a person token only (start a project, submit, switch back, list projects). A
 *   review link is refused with 403: it was mailed to act on one review, not as its holder at large.
 * - `componentGrant`: reading one component (status, card, history) or answering its review: a
 *   person token, or a review link of that very component; `answering` then fixes a review link's
 *   verdict to its own review (a person's is judged by the workflow's own rules).
 *
 * The table in README.md (## Security) lists every route with what each kind of token may do there.
 */
import type { Context } from 'hono';
import type { Grant, GrantKind, Links, PersonGrant, ReviewGrant, TokenRefusal } from './links.js';
import { Forbidden, Unauthorized } from './problems.js';

const REFUSALS: Record<Exclude<TokenRefusal, 'wrong-kind'>, string> = {
  malformed: 'the token is not a token this server issued',
  forged: 'the token signature does not match: it was altered or signed with another secret',
  expired: 'the token has expired: ask for a new one',
};

const PERSON_ONLY = 'authorization: a review link answers its own review only; this needs a person token (`mltrl token --as <email>`)';

/** The token in an `Authorization: Bearer …` header, if it holds one. */
export function bearerIn(c: Context): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
}

/** The bearer token as sent, or 401 naming what to send. */
function bearerToken(c: Context): string {
  const token = bearerIn(c);
  if (token === undefined) throw new Unauthorized('authorization: send "Authorization: Bearer <token>" (a person token from `mltrl token`, or a review link token)');
  return token;
}

async function grant(c: Context, links: Links, expected?: GrantKind): Promise<Grant> {
  const verified = await links.verify(bearerToken(c), expected);
  if (verified.ok) return verified.grant;
  if (verified.refusal === 'wrong-kind') throw new Forbidden(PERSON_ONLY);
  throw new Unauthorized(`authorization: ${REFUSALS[verified.refusal]}`);
}

/** A person token, and nothing else. */
export async function personGrant(c: Context, links: Links): Promise<PersonGrant> {
  return (await grant(c, links, 'person')) as PersonGrant;
}

/** A review link's token, if it covers this component; else 403 naming what it does cover. */
function reviewGrantFor(grant: ReviewGrant, projectId: string, componentId: string): ReviewGrant {
  if (grant.projectId !== projectId || grant.componentId !== componentId) {
    throw new Forbidden(`authorization: this review link covers review ${grant.reviewId} of ${grant.projectId}/${grant.componentId} only`);
  }
  return grant;
}

/** Acting on or reading one component: a person token, or a review link of that component. */
export async function componentGrant(c: Context, links: Links, projectId: string, componentId: string): Promise<Grant> {
  const found = await grant(c, links);
  return found.kind === 'person' ? found : reviewGrantFor(found, projectId, componentId);
}

/**
 * Who answers which review, from a grant `componentGrant` gave: a person answers the review they
 * name (the workflow's rules decide whether they may judge it); a review link answers its own review.
 */
export function answering(grant: Grant, reviewId: string | undefined): { reviewer: string; reviewId: string | undefined } {
  if (grant.kind === 'person') return { reviewer: grant.email, reviewId };
  if (reviewId !== undefined && reviewId !== grant.reviewId) {
    throw new Forbidden(`authorization: this review link answers review ${grant.reviewId} of ${grant.projectId}/${grant.componentId} only`);
  }
  return { reviewer: grant.reviewer, reviewId: grant.reviewId };
}
