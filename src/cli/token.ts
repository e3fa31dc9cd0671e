/**
 * `mltrl token`: a signed person token for the HTTP API. The API takes who is acting only from
 * such a token (or a review link's), so scripts and team leads get one here. With Temporal access
 * it is minted with the link secret (MLTRL_LINK_SECRET, or the one `npm start` keeps in data/) for
 * whoever `--as` names; through the API, the server makes one more for the token's own person and
 * lists it under `--name`.
 */
import { Option, type Command } from 'commander';
import { DurationText } from '../../machines/model.js';
import { quoted } from '../../machines/validation.js';
import { actorOption, type Context } from './context.js';
import { UsageError } from './errors.js';

export function registerTokenCommand(program: Command, ctx: Context): void {
  program
    .command('token')
    .description('print a signed person token for the HTTP API (Authorization: Bearer <token>)')
    .addOption(actorOption(ctx, '--as <email>', 'the person the token acts as'))
    .option('--valid-for <duration>', 'how long it works, e.g. "30 days"', '30 days')
    .addOption(new Option('--name <name>', 'the name the token is listed under (tokens made through the API)').default('mltrl CLI'))
    .action(async (opts: { as?: string; validFor: string; name: string }) => {
      if (!DurationText.safeParse(opts.validFor).success) throw new UsageError(`--valid-for: ${quoted(opts.validFor)} must be a duration such as "30 days" or "12 hours"`);
      ctx.io.out(await ctx.session.personToken('token', { ...(opts.as === undefined ? {} : { as: opts.as }), validFor: opts.validFor, name: opts.name }));
    });
}
