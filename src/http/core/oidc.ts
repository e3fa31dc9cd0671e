/**
 * Sign-in with OpenID Connect through `openid-client`: the authorization code flow with PKCE (S256),
 * `state` and `nonce`. The provider is found by discovery, once, on the first sign-in (so the pages
 * that need no sign-in keep working while it is unreachable; a failed discovery is tried again on
 * the next sign-in).
 *
 * The person is the ID token's `email`, and only with `email_verified: true`: an address the
 * provider has not verified could be anyone's, and email is how the roster names people. A provider
 * that leaves profile claims out of the ID token (Okta's org server, for one) is asked at its
 * UserInfo endpoint for the same subject; an ID token that names an unverified email is refused
 * outright.
 */
import * as client from 'openid-client';
import { Email } from '../../../machines/model.js';
import { Forbidden } from './problems.js';
import type { Person, SignInFlow } from './session.js';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** Unset: a public client (PKCE alone). */
  clientSecret?: string | undefined;
  /** `<public URL>/auth/callback`, as registered at the provider. */
  redirectUri: string;
  scope?: string;
  /**
   * The boolean claim that says the email is verified: `email_verified` (the standard's) unless the
   * provider names it otherwise (Entra ID's optional claim `xms_edov`, MLTRL_OIDC_EMAIL_VERIFIED_CLAIM).
   */
  emailVerifiedClaim?: string;
}

export interface OidcSignIn {
  /** Where to send the browser, and what the callback must match. */
  begin(returnTo: string): Promise<{ url: URL; flow: SignInFlow }>;
  /** The person, from the provider's redirect back; refuses (403) what does not prove a verified email. */
  finish(callbackUrl: URL, flow: SignInFlow): Promise<Person>;
  /** The provider's own sign-out page, when it has one (RP-initiated logout). */
  providerSignOutUrl(postLogoutRedirectUri: string): Promise<string | undefined>;
}

/** The sign-in was refused: a message that says why, for the person and the operator. */
export class SignInRefused extends Forbidden {}

/** The provider could not be used (discovery failed): no one can sign in until it answers, or its settings are fixed. */
export class ProviderUnavailable extends Error {}

const DEFAULT_SCOPE = 'openid email profile';

export const DEFAULT_EMAIL_VERIFIED_CLAIM = 'email_verified';

/** The email of a set of claims, if one is there: verified (by `verifiedClaim`), unverified, or none. */
export function emailIn(claims: Record<string, unknown>, verifiedClaim = DEFAULT_EMAIL_VERIFIED_CLAIM): { email: string; verified: boolean } | undefined {
  if (typeof claims['email'] !== 'string') return undefined;
  // Some providers send "true" as a string (Cognito, older Keycloak mappers, Entra's xms_edov): only exactly true counts.
  return { email: claims['email'], verified: claims[verifiedClaim] === true || claims[verifiedClaim] === 'true' };
}

function nameIn(claims: Record<string, unknown>, email: string): string {
  const name = [claims['name'], claims['preferred_username']].find((n): n is string => typeof n === 'string' && n.trim() !== '' && !/[\u0000-\u001f]/.test(n));
  return (name ?? email).trim().slice(0, 200);
}

/**
 * What went wrong, in the terms of the protocol: the provider's own error code (access_denied,
 * invalid_grant, …), or the check that failed (openid-client wraps it as the cause of a generic error).
 */
function whyRefused(error: unknown): string {
  if (error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError) {
    return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  }
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/**
 * Why discovery failed, in words an operator can act on. openid-client says only "does not match"
 * or "unexpected HTTP response status code"; the discovered issuer and the status are in its cause.
 * The commonest slip is an issuer URL spelt unlike the provider's own (Keycloak's
 * `https://host/realms/ml` has no trailing slash, and `…/ml/` is another issuer).
 */
export function whyNotDiscovered(error: unknown): string {
  if (error instanceof client.ClientError) {
    const cause: unknown = error.cause;
    if (error.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' && typeof cause === 'object' && cause !== null && 'body' in cause) {
      const named = (cause.body as { issuer?: unknown } | undefined)?.issuer;
      if (typeof named === 'string') return `its discovery document names the issuer ${named}: set MLTRL_OIDC_ISSUER to exactly that`;
    }
    if (cause instanceof Response) {
      const from = cause.url || 'its discovery URL';
      return cause.status === 200 ? `${error.message} (from ${from})` : `HTTP ${cause.status} from ${from}`;
    }
  }
  if (!(error instanceof Error)) return String(error);
  // fetch's "fetch failed" says nothing; its cause does (ECONNREFUSED, ENOTFOUND, a certificate).
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

export function createOidcSignIn(settings: OidcSettings): OidcSignIn {
  const issuer = new URL(settings.issuer);
  let discovered: Promise<client.Configuration> | undefined;

  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(
        issuer,
        settings.clientId,
        { redirect_uris: [settings.redirectUri], response_types: ['code'] },
        settings.clientSecret === undefined ? client.None() : client.ClientSecretBasic(settings.clientSecret),
        // Configuration only lets http through for a provider on loopback (the local one).
        issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        discovered = undefined;
        throw new ProviderUnavailable(`sign-in: discovery of the identity provider ${settings.issuer} failed (${whyNotDiscovered(error)})`);
      });
    return discovered;
  }

  return {
    async begin(returnTo) {
      const config = await configuration();
      const flow: SignInFlow = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), returnTo };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: settings.scope ?? DEFAULT_SCOPE,
        state: flow.state,
        nonce: flow.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
      });
      return { url, flow };
    },

    async finish(callbackUrl, flow) {
      const config = await configuration();
      let tokens;
      try {
        tokens = await client.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true });
      } catch (error) {
        // The provider's own refusal (access_denied, …) or a check that failed (state, nonce, PKCE, signature).
        throw new SignInRefused(`sign-in: the identity provider's answer was refused (${whyRefused(error)}); sign in again`);
      }
      const idClaims = tokens.claims()!;
      const verifiedClaim = settings.emailVerifiedClaim ?? DEFAULT_EMAIL_VERIFIED_CLAIM;
      let found = emailIn(idClaims, verifiedClaim);
      let claims: Record<string, unknown> = idClaims;
      if (found === undefined && config.serverMetadata().userinfo_endpoint) {
        claims = { ...(await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)), ...idClaims };
        found = emailIn(claims, verifiedClaim);
      }
      if (found === undefined) throw new SignInRefused('sign-in: the identity provider sent no email for this account (ask for the "email" scope, or add the email claim to the ID token)');
      if (!found.verified) throw new SignInRefused(`sign-in: the identity provider has not verified the email ${found.email} (${verifiedClaim} is not true); mltrl names people by verified email only`);
      const email = Email.safeParse(found.email);
      if (!email.success) throw new SignInRefused(`sign-in: the identity provider's email ${JSON.stringify(found.email.slice(0, 100))} is not an address mltrl accepts`);
      return { email: email.data, name: nameIn(claims, email.data) };
    },

    async providerSignOutUrl(postLogoutRedirectUri) {
      try {
        const config = await configuration();
        if (!config.serverMetadata().end_session_endpoint) return undefined;
        return client.buildEndSessionUrl(config, { client_id: settings.clientId, post_logout_redirect_uri: postLogoutRedirectUri }).href;
      } catch {
        return undefined;
      }
    },
  };
}
