/** Commands on one component (`<projectId>/<componentId>`): card, submit, review, switchback, lifecycle. */
import { Option, type Command } from 'commander';
import { parseInput } from '../../machines/validation.js';
import { Decision } from '../../workflows/definitions.js';
import { collect, formatRef, keyValue, parseRef, readJsonArg, slug, type ComponentRef } from './args.js';
import { actingSchema, actorOption, byOption, isRecord, jsonOption, levelOption, reasonOption, show, updateComponent, type Context } from './context.js';
import { gateLines, headline, historyText, reviewStateText, submittedText } from './format.js';
import { cardToHtml } from '../card/html.js';
import { cardToMarkdown } from '../card/markdown.js';

const CARD_FORMATS = ['json', 'md', 'html'] as const;
import { UsageError } from './errors.js';

const componentCommand = (parent: Command, name: string, description: string) =>
  parent.command(name).description(description).argument('<ref>', '<projectId>/<componentId>', parseRef);

/** `--patch`/`--ethics` JSON with `--set`/`--answer` pairs on top; non-objects go on to the schema to be named. */
function merged(json: unknown, pairs: Record<string, string> | undefined): unknown {
  return isRecord(json) ? { ...json, ...pairs } : json;
}

/**
 * `--done t1=…` and `--carry t2=…` as the Submit's resolutions; a task named by both is a usage
 * error naming the options. Which ids exist, and which must be resolved, is the workflow's to say.
 */
type Resolutions = Record<string, { status: 'done' | 'carried'; note: string }>;

function resolutionsFrom(done: Record<string, string> = {}, carry: Record<string, string> = {}): Resolutions | undefined {
  const both = Object.keys(done).filter((id) => id in carry);
  if (both.length > 0) throw new UsageError(`--done, --carry: ${both.join(', ')} cannot be both done and carried forward`);
  const entries: [string, Resolutions[string]][] = [
    ...Object.entries(done).map(([id, note]): [string, Resolutions[string]] => [id, { status: 'done', note }]),
    ...Object.entries(carry).map(([id, note]): [string, Resolutions[string]] => [id, { status: 'carried', note }]),
  ];
  for (const [id, { status, note }] of entries) {
    const flag = status === 'done' ? '--done' : '--carry';
    if (!/^t[0-9]{1,9}$/.test(id)) throw new UsageError(`${flag}: ${JSON.stringify(id)} must be a task id such as t3 (see mltrl status or mltrl card)`);
    if (!note.trim()) throw new UsageError(`${flag}: ${id} needs ${status === 'done' ? 'a note of what was done' : 'the reason it is carried forward'} after =`);
  }
  return entries.length ? Object.fromEntries<Resolutions[string]>(entries) : undefined;
}

export function registerComponentCommands(program: Command, ctx: Context): void {
  const card = program.command('card').description("read or change a component's TRL card");

  componentCommand(card, 'update', 'change top-level card keys (requirements are upserted by id)')
    .addOption(byOption(ctx))
    .option('--patch <json>', 'a partial card as JSON, or @file.json')
    .option('--set <key=value>', 'set a top-level text key (repeatable; applied over --patch)', keyValue('--set'))
    .action(async (ref: ComponentRef, opts: { by?: string; patch?: string; set?: Record<string, string> }) => {
      if (opts.patch === undefined && opts.set === undefined) throw new UsageError('card update: give --patch <json|@file> or --set key=value');
      const patch = merged(opts.patch === undefined ? {} : readJsonArg(opts.patch, '--patch'), opts.set);
      const status = await updateComponent(ctx, ref, 'card update', 'updateCard', { by: opts.by, patch });
      ctx.io.out([`card revision ${status.cardRevision}`, headline(status), ...gateLines(status)].join('\n'));
    });

  // `mltrl card <ref> --format md` is `card show`: the default subcommand.
  card
    .command('show', { isDefault: true })
    .description('the whole TRL card: summary, versions, requirements by risk, debriefs, ethics, timeline, snapshots')
    .argument('<ref>', '<projectId>/<componentId>', parseRef)
    .addOption(new Option('--format <format>', 'json, md (Markdown) or html').choices(CARD_FORMATS).default('md'))
    .addOption(jsonOption())
    .action(async (ref: ComponentRef, opts: { format: (typeof CARD_FORMATS)[number]; json?: boolean }) => {
      const view = await ctx.session.card('card show', ref);
      const format = opts.json ? 'json' : opts.format;
      ctx.io.out(format === 'json' ? JSON.stringify(view, null, 2) : format === 'html' ? cardToHtml(view) : cardToMarkdown(view));
    });

  componentCommand(program, 'submit', 'open a review of the current level')
    .addOption(byOption(ctx))
    .option('--proposal <proposal>', "what the panel is asked to decide (default: the level's first)")
    .option('--answer <id=text>', 'answer one ethics checklist item (repeatable)', keyValue('--answer'))
    .option('--ethics <json>', 'ethics answers as JSON { itemId: answer }, or @file.json')
    .option('--note <text>', 'a note for the panel')
    .option('--done <task=note>', 'mark an open task done, saying what was done, e.g. t1="fixed in 1.4.1" (repeatable)', keyValue('--done'))
    .option('--carry <task=reason>', 'carry an open task forward, saying why, e.g. t2="after the pilot" (repeatable)', keyValue('--carry'))
    .action(
      async (
        ref: ComponentRef,
        opts: { by?: string; proposal?: string; answer?: Record<string, string>; ethics?: string; note?: string; done?: Record<string, string>; carry?: Record<string, string> },
      ) => {
        const ethics = merged(opts.ethics === undefined ? {} : readJsonArg(opts.ethics, '--ethics'), opts.answer);
        const resolutions = resolutionsFrom(opts.done, opts.carry);
        const payload = {
          by: opts.by,
          ethics,
          ...(opts.proposal ? { proposal: opts.proposal } : {}),
          ...(opts.note ? { note: opts.note } : {}),
          ...(resolutions ? { resolutions } : {}),
        };
        ctx.io.out(submittedText(await updateComponent(ctx, ref, 'submit', 'submit', payload)));
      },
    );

  componentCommand(program, 'answer-ethics', "answer the ethics checklist of a Level 9 re-review waiting for the owner's answers")
    .addOption(byOption(ctx, "the component's owner or a project owner"))
    .option('--answer <id=text>', 'answer one ethics checklist item (repeatable)', keyValue('--answer'))
    .option('--ethics <json>', 'the answers as JSON { itemId: answer }, or @file.json')
    .action(async (ref: ComponentRef, opts: { by?: string; answer?: Record<string, string>; ethics?: string }) => {
      if (opts.answer === undefined && opts.ethics === undefined) throw new UsageError('answer-ethics: give --answer id=text (repeatable) or --ethics <json|@file>');
      const answers = merged(opts.ethics === undefined ? {} : readJsonArg(opts.ethics, '--ethics'), opts.answer);
      const status = await updateComponent(ctx, ref, 'answer-ethics', 'answerEthics', { by: opts.by, answers });
      ctx.io.out([`ethics answers recorded for review ${status.openReview?.id ?? '?'}: the panel is asked now`, headline(status)].join('\n'));
    });

  componentCommand(program, 'review', "give a verdict: approve (confirming the level's code caliber and data considerations), request-changes or switchback")
    .argument('<verdict>', 'approve | request-changes | switchback')
    .requiredOption('--review <id>', 'the open review, e.g. r3')
    .addOption(actorOption(ctx, '--as <email>', 'the reviewer'))
    .option('--comment <text>', 'a comment for the record')
    .option('--task <task>', 'a change to make (request-changes; repeatable)', collect)
    .addOption(levelOption('--to <level>', 'the level to send the component back to (switchback)'))
    .option('--reason <text>', 'why it goes back (switchback)')
    .action(async (ref: ComponentRef, verdict: string, opts: { review: string; as?: string; comment?: string; task?: string[]; to?: number; reason?: string }) => {
      if (opts.task && verdict !== 'request-changes') throw new UsageError('review: --task goes with request-changes');
      if ((opts.to !== undefined || opts.reason) && verdict !== 'switchback') throw new UsageError('review: --to and --reason go with switchback');
      // What a verdict must carry (tasks, a target, a reason) is the workflow's rule: its refusal is printed as it comes.
      const comment = [opts.reason, opts.comment].filter(Boolean).join(' — ');
      const decision = parseInput(
        actingSchema(Decision, 'reviewer', opts.as),
        {
          reviewId: opts.review,
          reviewer: opts.as,
          verdict,
          ...(comment ? { comment } : {}),
          ...(opts.task ? { tasks: opts.task } : {}),
          ...(opts.to !== undefined ? { targetLevel: opts.to } : {}),
        },
        'review',
      );
      const { state, reviewer } = await ctx.session.decide('review', ref, decision);
      ctx.io.out(reviewStateText(state, reviewer, decision.verdict));
    });

  componentCommand(program, 'switchback', 'send the component back to a lower level it has done (discovery)')
    .addOption(byOption(ctx, 'an owner or a member of the current level panel'))
    .addOption(levelOption('--to <level>', 'the lower level to work at').makeOptionMandatory())
    .addOption(reasonOption('what was discovered'))
    .action(async (ref: ComponentRef, opts: { by?: string; to: number; reason: string }) => {
      const payload = { by: opts.by, kind: 'discovery', targetLevel: opts.to, reason: opts.reason };
      const status = await updateComponent(ctx, ref, 'switchback', 'switchback', payload);
      ctx.io.out(`switched back to Level ${status.level}\n${headline(status)}`);
    });

  const lifecycle = [
    ['pause', 'keep the level, stop reminders and verdicts'],
    ['resume', 'resume a paused component'],
    ['retire', 'end the component (and any re-review schedule); it leaves the system level'],
  ] as const;
  for (const [name, description] of lifecycle) {
    componentCommand(program, name, description)
      .addOption(byOption(ctx, "the component's owner or a project owner"))
      .addOption(reasonOption())
      .action(async (ref: ComponentRef, opts: { by?: string; reason: string }) => {
        ctx.io.out(headline(await updateComponent(ctx, ref, name, name, opts)));
      });
  }

  componentCommand(program, 'versions', 'report new code, model or data versions (at Level 9: back to 7)')
    .addOption(byOption(ctx))
    .option('--code <semver>', 'code version')
    .option('--model <semver>', 'model version')
    .option('--data <semver>', 'data version')
    .action(async (ref: ComponentRef, opts: { by?: string; code?: string; model?: string; data?: string }) => {
      const { by, ...versions } = opts;
      if (Object.keys(versions).length === 0) throw new UsageError('versions: give at least one of --code, --model, --data');
      ctx.io.out(headline(await updateComponent(ctx, ref, 'versions', 'reportVersions', { by, versions })));
    });

  componentCommand(program, 'branch', 'start a new component from this one at a level no higher than its own')
    .addOption(byOption(ctx, "the component's owner or a project owner"))
    .addOption(new Option('--id <componentId>', 'id of the new component').argParser(slug('--id')).makeOptionMandatory())
    .addOption(levelOption('--level <level>', 'the level the branch starts at').makeOptionMandatory())
    .option('--name <name>', 'name of the new component')
    .action(async (ref: ComponentRef, opts: { by?: string; id: string; level: number; name?: string }) => {
      const payload = { by: opts.by, componentId: opts.id, level: opts.level, ...(opts.name ? { name: opts.name } : {}) };
      const status = await updateComponent(ctx, ref, 'branch', 'branch', payload);
      ctx.io.out(`branched ${formatRef({ projectId: ref.projectId, componentId: opts.id })} at Level ${opts.level}\n${headline(status)}`);
    });

  componentCommand(program, 'history', 'every event: time, who, what, outcome, why')
    .addOption(jsonOption())
    .action(async (ref: ComponentRef, opts: { json?: boolean }) => {
      const history = await ctx.session.history('history', ref);
      show(ctx, opts.json, history, historyText);
    });
}
