/**
 * What the API answers, as zod schemas for the OpenAPI document. Request bodies are the workflow's
 * own schemas (workflows/definitions.ts); answers are TypeScript views (machines/status.ts), so
 * these name the fields a client can rely on and leave the rest open (`looseObject`): the document
 * never promises less than is sent, and a field added to a view does not break it.
 */
import { z } from 'zod';
import { Email, Level } from '../../../machines/model.js';
import { TokenEntry } from '../core/tokenRegistry.js';
import { PHASES } from '../../../machines/levels.js';

const State = z.enum(['working', 'in-review', 'paused', 'retired']);
const PersonView = z.looseObject({ name: z.string(), email: z.string() });

export const ErrorBody = z
  .strictObject({
    error: z.strictObject({
      kind: z.enum(['invalid', 'too-large', 'unauthorized', 'forbidden', 'misdirected', 'rate-limited', 'refused', 'conflict', 'not-found', 'unavailable', 'internal']),
      message: z.string(),
    }),
  })
  ;

export const Health = z.strictObject({ ok: z.literal(true), taskQueue: z.string() });

export const ComponentStatusView = z
  .looseObject({
    projectId: z.string(),
    componentId: z.string(),
    name: z.string(),
    owner: PersonView,
    level: Level,
    levelName: z.string(),
    phase: z.enum(PHASES),
    state: State,
    cardRevision: z.number().int(),
    gate: z.looseObject({ ready: z.boolean() }),
    openReview: z.looseObject({ id: z.string(), level: Level }).nullable().optional(),
  })
  ;

const ProjectComponentSummary = z.looseObject({ componentId: z.string(), name: z.string(), level: Level, state: State });

export const ProjectStatusView = z
  .looseObject({
    projectId: z.string(),
    name: z.string(),
    owners: z.array(PersonView),
    systemLevel: Level.nullable(),
    components: z.array(ProjectComponentSummary),
  })
  ;

const Unreadable = z.looseObject({ projectId: z.string() });
const pageOf = (key: string, item: z.ZodType) =>
  z.looseObject({
    [key]: z.array(item),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
    pages: z.number().int(),
    unreadable: z.array(Unreadable),
  });

export const ProjectsPage = pageOf('projects', ProjectStatusView);
export const ComponentsPage = pageOf('components', ProjectComponentSummary);

export const Started = z.strictObject({ projectId: z.string(), workflowId: z.string() });

export const HoldingView = z.looseObject({ projectId: z.string(), below: Level, systemLevel: Level.nullable(), components: z.array(z.looseObject({ componentId: z.string(), level: Level })) });

export const RisksView = z.looseObject({ projectId: z.string(), matrix: z.unknown(), unreadable: z.array(Unreadable), retired: z.array(z.string()) });

export const MetricsView = z.looseObject({}).meta({ description: 'The portfolio metrics, as `mltrl metrics --json`.' });

export const CardViewSchema = z.looseObject({ summary: z.looseObject({ projectId: z.string(), componentId: z.string(), level: Level }) });

export const HistoryView = z.array(
  z.looseObject({
    at: z.string(),
    who: z.string(),
    what: z.string(),
    outcome: z.enum(['accepted', 'refused', 'acknowledged', 'done', 'failed', 'held']),
    why: z.string().optional(),
    level: Level,
  }),
);

export const ReviewStateView = z.looseObject({
  reviewId: z.string(),
  acknowledged: z.enum(['counted', 'repeated']),
  open: z.boolean(),
  approvals: z.record(z.string(), z.number()),
  missingRoles: z.array(z.string()),
  level: Level,
  state: State,
});

export const ScheduleView = z.strictObject({
  scheduleId: z.string(),
  projectId: z.string(),
  componentId: z.string(),
  every: z.string(),
  paused: z.boolean(),
  note: z.string(),
  nextFires: z.array(z.string()),
  recentFires: z.array(z.string()),
});
export const SchedulesView = z.strictObject({ schedules: z.array(ScheduleView) });
export const ScheduleSteered = z.strictObject({ scheduleId: z.string(), action: z.enum(['trigger', 'pause', 'unpause']) });

export const TokenList = z.strictObject({ tokens: z.array(TokenEntry) });
export const TokenCreated = z.strictObject({ token: z.string().meta({ description: 'Shown once: send it as `Authorization: Bearer <token>`.' }), entry: TokenEntry });
export const Me = z.strictObject({ email: Email });
