/**
 * Who is acting, for the HTTP API: always from a signed token in `Authorization: Bearer …`, never
 * from an email address in the body. A person token (`mltrl token --as …`) acts as that person; a
 * review link's token acts as its reviewer, and only on its own review.
 */
import type { Context } from 'hono';
import type { Grant, Links, TokenRefusal } from '../links.js';
import { Unauthorized } from './errors.js';

const REFUSALS: Record<TokenRefusal, string> = {
  malformed: 'the token is not a token this server issued',
  forged: 'the token signature does not match: it was altered or signed with another secret',
  expired: 'the token has expired: ask for a new one',
};

export function bearerGrant(c: Context, links: Links): Grant {
  const header = c.req.header('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new Unauthorized('authorization: send "Authorization: Bearer <token>" (a person token from `mltrl token`, or a review link token)');
  const verified = links.verify(match[1]);
  if (!verified.ok) throw new Unauthorized(`authorization: ${REFUSALS[verified.refusal]}`);
  return verified.grant;
}

/** The acting person's email, from either kind of token. */
export function actorEmail(grant: Grant): string {
  return grant.kind === 'person' ? grant.email : grant.reviewer;
}
