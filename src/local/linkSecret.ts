/**
 * The link secret of the local stack: `npm start` makes one and keeps it under data/, so it signs
 * links without any setup and the links in the inbox survive a restart; `npm run api` and
 * `mltrl token` fall back to it when MLTRL_LINK_SECRET is not set.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MIN_SECRET_LENGTH } from '../http/core/links.js';
import { DATA_DIR } from './temporalServer.js';

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
