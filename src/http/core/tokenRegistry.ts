/**
 * Personal API tokens a person made from the web app or the API, listed back to them. A token is a
 * signed JWT (./links.ts) that verifies on its own, so the registry keeps only what a list shows:
 * the token's `jti` as its id, whose it is, the name its owner gave it, when it was made and when it
 * expires — never the token. Kept in one small JSON file (MLTRL_TOKEN_REGISTRY, data/api-tokens.json
 * under `npm start`), written whole and renamed into place so a crash never leaves half a file;
 * expired entries are dropped on each write. One API process writes it: behind several, each keeps
 * its own list (tokens still work everywhere, since they verify by signature).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { DurationText, Email, durationMillis } from '../../../machines/model.js';
import type { Links } from './links.js';

export const TokenEntry = z.strictObject({
  id: z.string().min(1).max(64),
  email: Email,
  name: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type TokenEntry = z.infer<typeof TokenEntry>;

const MAX_VALIDITY_MS = 366 * 86_400_000;
/** A person keeps at most this many live tokens: the list stays a list. */
export const MAX_TOKENS_PER_PERSON = 50;

/** What a person asks for: a name to know it by, and how long it works (at most a year). */
export const TokenRequest = z.strictObject({
  name: z.string().trim().min(1, 'must name the token, e.g. "laptop CLI"').max(80, 'must be at most 80 characters'),
  validFor: DurationText.refine((text) => durationMillis(text) <= MAX_VALIDITY_MS, 'must be at most 366 days').default('30 days'),
});
export type TokenRequest = z.input<typeof TokenRequest>;

export class TooManyTokens extends Error {
  override readonly name = 'TooManyTokens';
}

export interface TokenRegistry {
  /** Mint a person token for `email`, record it, and return it with its entry: the only time the token is seen. */
  create(links: Links, email: string, request: TokenRequest): Promise<{ token: string; entry: TokenEntry }>;
  /** The person's tokens that have not expired, newest first. */
  list(email: string): Promise<TokenEntry[]>;
}

export function fileTokenRegistry(file: string, now: () => number = Date.now): TokenRegistry {
  // Writes one after another: two creates at once must not each write the file without the other's entry.
  let queue: Promise<unknown> = Promise.resolve();

  async function read(): Promise<TokenEntry[]> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return z.array(TokenEntry).parse(JSON.parse(text));
  }

  const live = (entries: TokenEntry[]) => entries.filter((entry) => Date.parse(entry.expiresAt) > now());

  async function write(entries: TokenEntry[]): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    await writeFile(partial, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
    await rename(partial, file);
  }

  return {
    create(links, email, request) {
      const { name, validFor } = TokenRequest.parse(request);
      const run = queue.then(async () => {
        const entries = live(await read());
        if (entries.filter((entry) => entry.email === email).length >= MAX_TOKENS_PER_PERSON) {
          throw new TooManyTokens(`tokens: ${email} already has ${MAX_TOKENS_PER_PERSON} live tokens; wait for one to expire`);
        }
        const token = await links.personToken(email, durationMillis(validFor));
        const claims = decodeJwt(token);
        const entry: TokenEntry = {
          id: String(claims.jti),
          email,
          name,
          createdAt: new Date((claims.iat ?? 0) * 1000).toISOString(),
          expiresAt: new Date((claims.exp ?? 0) * 1000).toISOString(),
        };
        await write([...entries, entry]);
        return { token, entry };
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async list(email) {
      await queue;
      return live(await read())
        .filter((entry) => entry.email === email)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    },
  };
}
