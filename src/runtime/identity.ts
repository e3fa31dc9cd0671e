/**
 * Web sign-in from the configuration: the identity provider (MLTRL_OIDC_*) and the session cookies
 * (keyed from the link secret, MLTRL_SESSION_TTL). `npm run api` uses it as configured; `npm start`
 * passes the local provider's settings when MLTRL_OIDC_ISSUER is not set (../local/start.ts).
 */
import { durationMillis } from '../../machines/model.js';
import type { Identity } from '../http/core/dependencies.js';
import { createOidcSignIn } from '../http/core/oidc.js';
import { createSessions } from '../http/core/session.js';
import { publicUrl, type Config } from './config.js';

/** The web app's callback at its public URL: what to register at the provider. */
export function redirectUriFor(config: Config): string {
  return `${publicUrl(config)}/auth/callback`;
}

/** Undefined when no provider is configured: the pages then read without sign-in, as before. */
export function identityFromConfig(config: Config, secret: string, provider = config.MLTRL_OIDC_ISSUER ? { issuer: config.MLTRL_OIDC_ISSUER, clientId: config.MLTRL_OIDC_CLIENT_ID!, clientSecret: config.MLTRL_OIDC_CLIENT_SECRET } : undefined): Identity | undefined {
  if (!provider) return undefined;
  return {
    signIn: createOidcSignIn({ ...provider, redirectUri: redirectUriFor(config), emailVerifiedClaim: config.MLTRL_OIDC_EMAIL_VERIFIED_CLAIM }),
    sessions: createSessions({ secret, previousSecret: config.MLTRL_LINK_SECRET_PREVIOUS, publicUrl: publicUrl(config), ttlMs: durationMillis(config.MLTRL_SESSION_TTL) }),
    operators: config.MLTRL_OPERATORS,
  };
}
