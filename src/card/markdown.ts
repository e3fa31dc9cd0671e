/**
 * The TRL card (SPEC §4) as Markdown: every section, requirements in risk order with flagged ones
 * marked, the ethics checklist with its answers per review, debriefs, the level timeline with the
 * versions at each step, switchbacks and the frozen graduation snapshots. User text is escaped, so
 * the Markdown is also safe to turn into HTML.
 */
import { utcMinute } from '../../machines/dates.js';
import type { Evidence } from '../../machines/evidence.js';
import { checkText, isCheckShaped, type EvidenceCheck } from '../../machines/evidenceCheck.js';
import { levelDefinition } from '../../machines/levels.js';
import { TEXT_DELIVERABLE_KEYS, type Versions } from '../../machines/model.js';
import { thresholdText, type RiskEntry, type RiskMatrix } from '../../machines/riskMatrix.js';
import type { CardView } from '../../machines/status.js';

/**
 * User text as Markdown shows it literally. `<` and `&` open raw HTML and entities in Markdown, so
 * they are written as entities; the characters that would change a line or a table cell are
 * backslash-escaped; line breaks become `<br>`, the one way a table cell holds one.
 */
export function text(value: unknown): string {
  const plain = typeof value === 'string' ? value : JSON.stringify(value);
  return plain
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#])/g, '\\$1')
    .replace(/\r?\n/g, '<br>');
}

const versions = (v?: Versions) => (v ? ['code', 'model', 'data'].map((k) => `${k} ${v[k as keyof Versions] ?? '—'}`).join(', ') : '—');
/** Markup written by this module itself, which `cell` must not escape. */
class Markup {
  constructor(readonly value: string) {}
}
const mark = (value: string) => new Markup(`<mark>${text(value)}</mark>`);

function cell(value: unknown): string {
  if (value instanceof Markup) return value.value;
  return value === undefined || value === null || value === '' ? '—' : text(value);
}

function table(headers: string[], rows: unknown[][]): string {
  if (rows.length === 0) return '_None yet._';
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}

function deliverable(value: unknown, read?: Evidence): string {
  if (isCheckShaped(value)) {
    const check = value as EvidenceCheck;
    const reading = read ? `\n\n${read.holds ? '✓' : '✗'} ${text(read.line)} (read ${utcMinute(read.readAt)})` : '\n\n_Read from MLflow when the level is submitted._';
    return `MLflow check: ${text(checkText(check.mlflow))}${check.note ? ` — ${text(check.note)}` : ''}${reading}`;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => `- **${text(key)}**: ${text(item)}`)
      .join('\n');
  }
  return text(value);
}

/** One requirement in a matrix cell: its id and risk, and in words whether it is flagged and mitigated. */
function riskEntry(entry: RiskEntry): string {
  const name = `${entry.requirementId} (${entry.risk ?? '—'})`;
  if (!entry.flagged) return text(name);
  return `<mark>${text(`${name} ⚠ flagged${entry.unmitigated ? ', no mitigation' : ''}`)}</mark>`;
}

/**
 * A card's risk matrix as Markdown: pFailure bands down (highest first), value bands across, each cell
 * listing its requirements; the marks are words, so they survive print, plain text and screen readers.
 */
export function riskMatrixMarkdown(matrix: RiskMatrix): string {
  const { counts } = matrix;
  if (counts.total === 0) return '_No requirements yet._';
  const lines = [
    `Requirements placed by probability of failure (rows, highest first) and value (columns). ⚠ flagged: ${text(thresholdText(matrix))}; "no mitigation": flagged without a mitigation, which the Level 5 and Level 8 reviews refuse.`,
    `${counts.total} requirement${counts.total === 1 ? '' : 's'}: ${counts.placed} placed, ${counts.notPlaced} not placed; ${counts.flagged} flagged, ${counts.unmitigated} of them without a mitigation.`,
  ];
  if (counts.placed > 0) {
    lines.push(
      table(
        ['pFailure ↓ / value →', ...matrix.columns.map((c) => c.label)],
        matrix.rows.map((row) => [
          new Markup(`**${text(row.pFailure.label)}**`),
          ...row.cells.map((cell) => (cell.entries.length ? new Markup(cell.entries.map((e) => riskEntry(e)).join('<br>')) : '')),
        ]),
      ),
    );
  }
  if (counts.notPlaced > 0) {
    lines.push(`Not placed (no pFailure or value yet): ${matrix.notPlaced.map((e) => riskEntry(e)).join(', ')}.`);
  }
  return lines.join('\n\n');
}

/** Sections whose content is one card key, in the order of the framework's TRL card template. */
const NARRATIVE: [string, string][] = [
  ['Model / algorithm', 'modelInfo'],
  ['Intended use', 'intendedUse'],
  ['Unacceptable uses', 'unacceptableUses'],
  ['Testing status', 'testingStatus'],
  ['Data considerations', 'dataConsiderations'],
  ['Caveats, known edge cases, recommendations', 'caveats'],
];

/**
 * Switchbacks of the components this one depends on, flagged by the project: open until this
 * component's next approved review. Only for a component with dependencies or flags.
 */
function dependencyFlagsSection(card: CardView): string[] {
  const flags = card.dependencyFlags ?? [];
  if (!card.dependsOn && flags.length === 0) return [];
  const open = flags.filter((f) => f.open).length;
  const intro = open > 0 ? `${open} open: a component this one depends on switched back; the next approved review closes them.` : 'None open.';
  return [
    `## Dependency flags

${intro}

` +
      table(
        ['When', 'Dependency', 'From', 'To', 'Kind', 'Why flagged', 'Status'],
        flags.map((f) => [utcMinute(f.at), f.dependency, f.from, f.to, f.kind, f.reason, f.open ? mark('open') : `closed by review ${f.closedBy}`]),
      ),
  ];
}

/** How many debriefs were asked for after graduations, how many written, and which are still owed. */
function debriefLedger(card: CardView): string {
  const ledger = card.debriefLedger;
  if (!ledger) return '';
  const owed = ledger.owed.map((o) => `Level ${o.level} (graduated with review ${text(o.reviewId)}, asked ${utcMinute(o.askedAt)})`);
  return `Asked after ${ledger.asked} graduation${ledger.asked === 1 ? '' : 's'}, written for ${ledger.written}.${owed.length ? ` **Still owed**: ${owed.join(', ')}.` : ''}\n\n`;
}

export function cardToMarkdown(card: CardView): string {
  const { summary, content } = card;
  const narrativeKeys = new Set(NARRATIVE.map(([, key]) => key));
  const deliverables = TEXT_DELIVERABLE_KEYS.filter((key) => !narrativeKeys.has(key) && content[key] !== undefined);
  const people = (list: { name: string; email: string }[]) => list.map((p) => `${p.name} <${p.email}>`).join(', ');
  const checklist = new Map(card.ethicsChecklist.map((item) => [item.id, item]));

  const sections: string[] = [
    `# TRL card: ${text(summary.techName)}`,
    table(
      ['', ''],
      [
        ['Project', summary.projectId],
        ['Component', summary.componentId],
        ['Current level', `Level ${summary.level} — ${summary.levelName} (${summary.phase})`],
        ['Owners', people(summary.owners)],
        ['Policy profile', summary.profile],
        ...Object.entries(summary.reviewers).map(([role, list]) => [`Reviewers: ${role}`, people(list) || '—']),
        ['Links', Object.entries(summary.links).map(([name, url]) => `${name}: ${url}`).join(', ')],
        ['Coupled components', summary.coupledComponents.join(', ')],
        ['Provenance', summary.provenance ? `${summary.provenance.kind} from ${summary.provenance.projectId}/${summary.provenance.componentId} at Level ${summary.provenance.level}` : ''],
        ...(card.subsystem ? [['Subsystem', `${card.subsystem.name} (${card.subsystem.id})`]] : []),
        ...(card.dependsOn ? [['Depends on', card.dependsOn.join(', ')]] : []),
        ['Revision', String(card.revision)],
      ],
    ),
    ...dependencyFlagsSection(card),
    `## Versions\n\n${text(versions(content.versions))}`,
    `## Requirements, by risk\n\nRisk = pFailure × value; at or above ${card.riskThreshold} a requirement is flagged and needs a mitigation before the Level 5 and Level 8 reviews.\n\n` +
      table(
        ['ID', 'Statement', 'Verification', 'Validation', 'pFailure', 'Value', 'Risk', 'Status', 'Mitigation'],
        card.requirements.map((r) => [
          r.flagged ? mark(`${r.id} ⚠ flagged`) : r.id,
          r.statement,
          r.verification,
          r.validation,
          r.pFailure,
          r.value,
          r.risk,
          r.status ?? 'open',
          r.flagged && !r.mitigation ? mark('missing') : r.mitigation,
        ]),
      ),
    `## Risk matrix\n\n${riskMatrixMarkdown(card.riskMatrix)}`,
    ...NARRATIVE.map(([title, key]) => `## ${title}\n\n${content[key] === undefined ? '_Not written yet._' : deliverable(content[key])}`),
    `## Level deliverables\n\n` +
      (deliverables.length ? deliverables.map((key) => `### ${key}\n\n${deliverable(content[key], (content['evidence'] as Record<string, Evidence> | undefined)?.[key])}`).join('\n\n') : '_None yet._'),
    `## Code and data expectations\n\nWhat each level this component has worked at expected of its code and data; a panel's approval confirms them.\n\n` +
      (card.expectations ?? [])
        .map(
          (e) =>
            `### Level ${e.level} — ${levelDefinition(e.level).name}\n\n- **Code**: ${text(e.codeCaliberMeaning)}\n- **Data**:\n${e.dataConsiderations.map((line) => `  - ${text(line)}`).join('\n')}`,
        )
        .join('\n\n'),
    `## Stage debriefs\n\n` +
      debriefLedger(card) +
      (card.debriefs.length
        ? card.debriefs
            .map(
              (d) =>
                `### Level ${d.level} — ${levelDefinition(d.level).name}\n\n- **Done**: ${text(d.done)}${d.by?.length ? ` (by ${text(d.by.join(', '))})` : ''}\n- **Punted**: ${cell(d.punted)}\n- **Learned**: ${cell(d.learned)}\n- **Technical debt**: ${cell(d.debt)}`,
            )
            .join('\n\n')
        : '_None yet._'),
    `## Ethics checklist\n\n` +
      card.ethicsChecklist.map((item) => `- **${text(item.id)}** (${item.stage}): ${text(item.question)}`).join('\n') +
      '\n\n' +
      (card.ethics.length
        ? card.ethics
            .map(
              (review) =>
                `### Review ${text(review.reviewId)} at Level ${review.level} (${utcMinute(review.at)}, ${text(review.by)})\n\n` +
                table(['Question', 'Answer'], Object.entries(review.answers).map(([id, answer]) => [checklist.get(id)?.question ?? id, answer])),
            )
            .join('\n\n')
        : '_No review has answered it yet._'),
    `## Requested changes\n\nWhat review panels asked for, as work items: each is resolved by the next submit at its level, done (with what was done) or carried forward (with the reason); carried items stay here until a later submit marks them done.\n\n` +
      table(
        ['Task', 'Level', 'Asked in', 'What', 'Status', 'Resolution', 'Resolved in'],
        card.tasks.map((t) => [
          t.id,
          t.level,
          t.reviewId,
          t.text,
          t.status === 'open' ? mark('open') : t.status === 'carried' ? mark('carried forward') : 'done',
          t.resolution ? `${t.resolution.note} (${t.resolution.by}, ${utcMinute(t.resolution.at)})` : '',
          t.resolution?.reviewId,
        ]),
      ),
    `## Level timeline\n\n` +
      table(
        ['When', 'From', 'To', 'How', 'Review', 'Versions'],
        card.timeline.map((t) => [utcMinute(t.at), t.from ?? 'entry', t.to, t.how, t.reviewId, versions(t.versions)]),
      ),
    `## Switchbacks\n\n` + table(['When', 'From', 'To', 'Kind', 'Reason', 'By'], card.switchbacks.map((s) => [utcMinute(s.at), s.from, s.to, s.kind, s.reason, s.by])),
    `## Graduation snapshots\n\nThe card as it stood when each level was earned; later edits do not change them.\n\n` +
      table(
        ['Level', 'When', 'Review', 'Card revision', 'Versions', 'Requirements'],
        card.graduations.map((g) => [g.level, utcMinute(g.at), g.reviewId, g.revision, versions(g.content.versions), g.content.requirements.map((r) => `${r.id} ${r.status ?? 'open'}`).join(', ')]),
      ),
    `## Revisions\n\n` + table(['Revision', 'When', 'By', 'Changed'], card.revisions.map((r) => [r.revision, utcMinute(r.at), r.by, r.keys.join(', ')])),
  ];
  return `${sections.join('\n\n')}\n`;
}
