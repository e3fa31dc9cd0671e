/**
 * `mltrl token --as <email>`: a signed person token for the HTTP API. The API takes who is acting
 * only from such a token (or a review link's), so scripts and team leads get one here. Minting
 * needs the link secret: MLTRL_LINK_SECRET, or the one `npm start` keeps in data/.
 */
import { Option, type Command } from 'commander';
import { DurationText, durationMillis } from '../../machines/model.js';
import { quoted } from '../../machines/validation.js';
import { createLinks } from '../http/core/links.js';
import { configuredLinkSecret } from '../local/linkSecret.js';
import { publicUrl } from '../runtime/config.js';
import { email } from './args.js';
import type { Context } from './context.js';
import { UsageError } from './errors.js';

export function registerTokenCommand(program: Command, ctx: Context): void {
  program
    .command('token')
    .description('print a signed person token for the HTTP API (Authorization: Bearer <token>)')
    .addOption(new Option('--as <email>', 'the person the token acts as').argParser(email('--as')).makeOptionMandatory())
    .option('--valid-for <duration>', 'how long it works, e.g. "30 days"', '30 days')
    .action(async (opts: { as: string; validFor: string }) => {
      if (!DurationText.safeParse(opts.validFor).success) throw new UsageError(`--valid-for: ${quoted(opts.validFor)} must be a duration such as "30 days" or "12 hours"`);
      const config = ctx.session.settings();
      const secret = configuredLinkSecret(config.MLTRL_LINK_SECRET);
      if (!secret) throw new UsageError('token: no link secret: set MLTRL_LINK_SECRET (the one the server uses), or run npm start once to create data/link-secret');
      const links = createLinks({ secret, publicUrl: publicUrl(config), ttlMs: durationMillis(config.MLTRL_LINK_TTL) });
      ctx.io.out(await links.personToken(opts.as, durationMillis(opts.validFor)));
    });
}
