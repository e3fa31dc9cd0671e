/**
 * Configuration from the environment, validated once at start-up: every bad variable is reported
 * at once, each naming the variable and the rule.
 */
import { z } from 'zod';
import { DEFAULT_MAX_EMAILS_PER_HOUR } from '../../activities/recipientLimit.js';
import type { WebhookSetup } from '../../activities/deliver.js';
import { WebhooksVariable } from '../../activities/webhooks.js';
import { DurationText, Email } from '../../machines/model.js';
import { describeIssues } from '../../machines/validation.js';
import { DEFAULT_TASK_QUEUE } from '../../workflows/definitions.js';
import { TEMPORAL_SECURITY_VARIABLES, checkTemporalSecurity } from './connection.js';
import { MIN_SECRET_LENGTH } from '../http/core/links.js';
import { LOOPBACK_HOSTS } from './loopback.js';

/** A Prometheus label name (https://prometheus.io/docs/concepts/data_model/). */
const AlertLabel = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,99}$/, 'must be a Prometheus label name (letters, digits, underscore; not starting with a digit)');

/** Alertmanager's webhook settings, when its token is configured (src/http/integrations/alertmanager.ts). */
export function alertmanagerSettings(config: Pick<Config, 'MLTRL_ALERTMANAGER_TOKEN' | 'MLTRL_ALERTMANAGER_PROJECT_LABEL' | 'MLTRL_ALERTMANAGER_COMPONENT_LABEL'>) {
  return config.MLTRL_ALERTMANAGER_TOKEN
    ? { token: config.MLTRL_ALERTMANAGER_TOKEN, projectLabel: config.MLTRL_ALERTMANAGER_PROJECT_LABEL, componentLabel: config.MLTRL_ALERTMANAGER_COMPONENT_LABEL }
    : undefined;
}

export const DEFAULT_MIN_POLICY_INTERVAL = '1 hour';
/** A webhook secret shorter than this is guessable. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

/** A whole number from 1 to `max` written in a variable; `unit` reads after "a whole number". */
function wholeNumber(max: number, unit = '') {
  const rule = `must be a whole number${unit} from 1 to ${max}`;
  return z
    .string()
    .regex(new RegExp(`^\\d{1,${String(max).length}}$`), rule)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, rule);
}

const HostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233');

/** `reviews@lab.example` or `mltrl <reviews@lab.example>`. */
const MailFrom = z.string().refine((text) => {
  const address = /^[^<>]*<\s*([^<>\s]+)\s*>$/.exec(text.trim())?.[1] ?? text.trim();
  return z.email().safeParse(address).success;
}, 'must be an address, e.g. reviews@lab.example or "mltrl <reviews@lab.example>"');

/**
 * The identity provider's issuer: https, or http on loopback only (the local provider `npm start`
 * runs); discovery reads `<issuer>/.well-known/openid-configuration`.
 */
const IssuerUrl = z
  .url({ protocol: /^https?$/, error: 'must be the identity provider\'s issuer URL, e.g. https://login.example.com/realms/ml' })
  .refine((text) => {
    // Not a URL at all: the check above has said so already.
    if (!URL.canParse(text)) return true;
    const url = new URL(text);
    return url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname);
  }, 'must be an https:// URL (http:// only for a provider on loopback)');

/** A switch for `npm start`: "1" starts the server, "0" (or unset) does not. */
const LocalSwitch = z.enum(['0', '1'], { error: 'must be 1 (npm start runs it) or 0 (it does not)' }).transform((value) => value === '1');

const SmtpUrl = z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example:587' });

/** `a@x.example, b@x.example`: each one an email, so a typo is refused at start rather than granting nobody. */
/** Emails separated by commas; a bad one is named in the variable's own error (one line per variable). */
const OperatorList = z
  .string()
  .transform((text) => text.split(',').map((part) => part.trim()).filter((part) => part !== ''))
  .superRefine((emails, ctx) => {
    const bad = emails.filter((email) => !Email.safeParse(email).success);
    // The bad entries are counted, not echoed: an environment variable may hold anything.
    if (bad.length > 0) ctx.addIssue({ code: 'custom', message: `each entry must be an email address, separated by commas (${bad.length} ${bad.length === 1 ? 'is' : 'are'} not)` });
    if (emails.length > 1_000) ctx.addIssue({ code: 'custom', message: 'must list at most 1000 emails' });
  })
  .transform((emails) => emails.map((email) => email.toLowerCase()));

export const Config = z
  .object({
    TEMPORAL_ADDRESS: HostPort.default('localhost:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1, 'must not be empty').max(255).default('default'),
    // TLS and API key for Temporal Cloud or an mTLS cluster (Temporal's own names; src/runtime/connection.ts):
    // TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH,
    // TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME. Files are read here, at load.
    ...TEMPORAL_SECURITY_VARIABLES,
    MLTRL_TASK_QUEUE: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'must be letters, digits, dot, dash or underscore')
      .default(DEFAULT_TASK_QUEUE),
    /** Unset: notifications go to the worker's log (`npm start` points it at its local mail catcher). */
    SMTP_URL: SmtpUrl.optional(),
    MAIL_FROM: MailFrom.default('mltrl <mltrl@localhost>'),
    /** Signs review links; required as soon as emails with links can go out. */
    MLTRL_LINK_SECRET: z.string().min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`).optional(),
    /** The secret before the last rotation: still accepted when verifying, never used to sign (README, Security). */
    MLTRL_LINK_SECRET_PREVIOUS: z.string().min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters (the MLTRL_LINK_SECRET you are rotating away from)`).optional(),
    MLTRL_LINK_TTL: DurationText.default('14 days'),
    /** Requests per minute the API, the review pages and the other pages each take from one address, and from one token. */
    MLTRL_API_RATE_LIMIT: wholeNumber(1_000_000, ' of requests per minute').default(600),
    /** Live-update streams one address may hold open (each costs a Temporal query every 2 s); raise it behind a proxy. */
    MLTRL_LIVE_STREAMS_PER_ADDRESS: wholeNumber(1_000, ' of streams').default(32),
    /** Where reviewers reach the web page; defaults to the HTTP server's own address. */
    MLTRL_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    // Loopback by default: the API acts for whoever presents a token, so exposing it is a choice.
    MLTRL_HTTP_HOST: z.string().min(1).max(255).default('127.0.0.1'),
    /** Workflows a worker keeps in memory (src/runtime/worker.ts); more is faster for busy portfolios, less uses less memory. */
    MLTRL_MAX_CACHED_WORKFLOWS: wholeNumber(100_000).optional(),
    /** The shortest remindEvery, escalateAfter or rereviewEvery a project file may set. */
    MLTRL_MIN_POLICY_INTERVAL: DurationText.default(DEFAULT_MIN_POLICY_INTERVAL),
    /** Emails one address may receive per hour from a worker; past it, messages are held back. */
    MLTRL_MAX_EMAILS_PER_HOUR: wholeNumber(100_000).default(DEFAULT_MAX_EMAILS_PER_HOUR),
    /** Sign-in with OpenID Connect (src/http/core/oidc.ts): the issuer and this app's client at it. Unset: `npm start` runs a local provider; `npm run api` serves without sign-in. */
    MLTRL_OIDC_ISSUER: IssuerUrl.optional(),
    MLTRL_OIDC_CLIENT_ID: z.string().min(1, 'must not be empty').max(255).optional(),
    /** Unset: a public client, PKCE alone (providers that issue a secret to web apps expect it sent). */
    MLTRL_OIDC_CLIENT_SECRET: z.string().min(1, 'must not be empty').max(1024).optional(),
    /** The boolean claim saying the email is verified; Entra ID has no email_verified, and says so in its optional claim xms_edov. */
    MLTRL_OIDC_EMAIL_VERIFIED_CLAIM: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a claim name: letters, digits and _, e.g. email_verified or xms_edov')
      .default('email_verified'),
    /** How long a web sign-in lasts before the person signs in again. */
    MLTRL_SESSION_TTL: DurationText.default('12 hours'),
    /** Who may steer every Level 9 re-review schedule, from the operators' page and the API: emails, comma-separated (a project's owners steer their own regardless). */
    MLTRL_OPERATORS: OperatorList.default([]),
    /** The file the personal API tokens made from the web app are listed in (never the tokens themselves); unset: data/api-tokens.json. */
    MLTRL_TOKEN_REGISTRY: z.string().min(1).max(1_000).optional(),

    /** Outgoing webhooks: a JSON list of { url, secret, events?, format? } (activities/webhooks.ts). */
    MLTRL_WEBHOOKS: WebhooksVariable.optional(),
    /** MLflow's tracking server (its Model Registry): components linked to a registered model are kept in step with it. */
    MLTRL_MLFLOW_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:5000' }).optional(),
    /** The secret of MLflow's webhook that calls POST /integrations/mlflow; unset, the route refuses every delivery. */
    MLTRL_MLFLOW_WEBHOOK_SECRET: z.string().min(MIN_WEBHOOK_SECRET_LENGTH, `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`), the secret given to MLflow's webhook`).optional(),
    /** Turns on Alertmanager's webhook (POST /integrations/alertmanager): the bearer token its receiver sends. */
    MLTRL_ALERTMANAGER_TOKEN: z.string().min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`).optional(),
    /** The alert labels naming an alert's project and component. */
    MLTRL_ALERTMANAGER_PROJECT_LABEL: AlertLabel.default('project'),
    MLTRL_ALERTMANAGER_COMPONENT_LABEL: AlertLabel.default('component'),
    /**
     * `npm start` only: run MLflow (port 5000, state in data/mlflow) and wire it both ways (src/local/integrations.ts).
     * Separate from Alertmanager's switch: MLflow is a large install (a Python environment of ~850 MB).
     */
    MLTRL_LOCAL_MLFLOW: LocalSwitch.default(false),
    /** `npm start` only: run Alertmanager (port 9093, state in data/alertmanager) sending its alerts to mltrl. */
    MLTRL_LOCAL_ALERTMANAGER: LocalSwitch.default(false),
    /** Alertmanager's API, where `npm run examples` posts the MLflow example's drift alert (else straight to mltrl's route). */
    MLTRL_ALERTMANAGER_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. http://127.0.0.1:9093' }).optional(),
    MLTRL_HTTP_PORT: z
      .string()
      .regex(/^\d{1,5}$/, 'must be a port number from 0 to 65535')
      .transform(Number)
      .refine((port) => port <= 65_535, 'must be a port number from 0 to 65535')
      .default(8280),
  })
  .superRefine((config, ctx) => {
    checkTemporalSecurity(config, ctx);
    if (config.SMTP_URL && !config.MLTRL_LINK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['MLTRL_LINK_SECRET'], message: 'required when SMTP_URL is set: review links in the emails are signed with it' });
    }
    if (config.MLTRL_OIDC_ISSUER !== undefined && config.MLTRL_OIDC_CLIENT_ID === undefined) {
      ctx.addIssue({ code: 'custom', path: ['MLTRL_OIDC_CLIENT_ID'], message: 'required when MLTRL_OIDC_ISSUER is set: the client id this app is registered under at the provider' });
    }
    for (const name of ['MLTRL_OIDC_CLIENT_ID', 'MLTRL_OIDC_CLIENT_SECRET'] as const) {
      if (config[name] !== undefined && config.MLTRL_OIDC_ISSUER === undefined) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'needs MLTRL_OIDC_ISSUER: the identity provider the client is registered at' });
      }
    }
    // Two sources of truth for one registry would leave it unclear which one mltrl tags.
    if (config.MLTRL_LOCAL_MLFLOW && config.MLTRL_MLFLOW_URL) {
      ctx.addIssue({ code: 'custom', path: ['MLTRL_LOCAL_MLFLOW'], message: 'cannot be 1 while MLTRL_MLFLOW_URL is set: unset MLTRL_MLFLOW_URL to have npm start run MLflow, or set MLTRL_LOCAL_MLFLOW=0 to use yours' });
    }
    if (config.MLTRL_LINK_SECRET_PREVIOUS !== undefined && config.MLTRL_LINK_SECRET_PREVIOUS === config.MLTRL_LINK_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['MLTRL_LINK_SECRET_PREVIOUS'], message: 'must differ from MLTRL_LINK_SECRET: it is the secret you rotated away from' });
    }
  });
export type Config = z.infer<typeof Config>;

/** The address people use to reach the web page and API. */
export function publicUrl(config: Pick<Config, 'MLTRL_PUBLIC_URL' | 'MLTRL_HTTP_HOST' | 'MLTRL_HTTP_PORT'>, port = config.MLTRL_HTTP_PORT): string {
  if (config.MLTRL_PUBLIC_URL) return config.MLTRL_PUBLIC_URL.replace(/\/+$/, '');
  const host = config.MLTRL_HTTP_HOST === '0.0.0.0' || config.MLTRL_HTTP_HOST === '::' ? '127.0.0.1' : config.MLTRL_HTTP_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as shells and compose files write them.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = Config.safeParse(present);
  if (!result.success) throw new ConfigError(`configuration: ${describeIssues(result.error, Infinity)}`);
  return result.data;
}

/** The worker's webhook endpoints, with the public URL for links in Slack messages; undefined when none. */
export function webhooksFromConfig(config: Config): WebhookSetup | undefined {
  if (!config.MLTRL_WEBHOOKS || config.MLTRL_WEBHOOKS.length === 0) return undefined;
  return { endpoints: config.MLTRL_WEBHOOKS, publicUrl: publicUrl(config) };
}

/** What a worker needs for components linked to MLflow: the registry's address and where cards live. */
export function mlflowFromConfig(config: Pick<Config, 'MLTRL_MLFLOW_URL' | 'MLTRL_PUBLIC_URL' | 'MLTRL_HTTP_HOST' | 'MLTRL_HTTP_PORT'>): { mlflowUrl?: string; publicUrl: string } {
  return { ...(config.MLTRL_MLFLOW_URL ? { mlflowUrl: config.MLTRL_MLFLOW_URL } : {}), publicUrl: publicUrl(config) };
}
