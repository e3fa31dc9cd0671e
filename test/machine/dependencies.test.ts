/**
 * Systems of subsystems: the project file's `subsystems` and `dependsOn` (schema rules), the graph
 * questions (who depends on whom, subsystem levels, what a report says about a switchback), and
 * the DEPENDENCY_FLAG event a project sends a component whose dependency switched back.
 */
import { describe, expect, it } from 'vitest';
import { dependencyPath, dependentsOf, findCycle, reportedSwitchback, subsystemStatuses } from '../../machines/dependencies.js';
import { dependencyFlagViews, openDependencyFlags } from '../../machines/dependencyFlags.js';
import { NewComponent, ProjectDefinition, type ProjectDefinitionInput } from '../../machines/model.js';
import { cardView } from '../../machines/status.js';
import { cardToMarkdown } from '../../src/card/markdown.js';
import { gapLines } from '../../src/portfolio/holding.js';
import { OWNER, projectInput, raisingProposal, start, type EventInput } from './helpers.js';

const component = (id: string, dependsOn?: string[]) => ({
  id,
  name: `Component ${id}`,
  kind: 'model' as const,
  entryLevel: 0,
  owner: OWNER,
  ...(dependsOn ? { dependsOn } : {}),
});

function project(components: ReturnType<typeof component>[], subsystems?: ProjectDefinitionInput['subsystems']): ProjectDefinitionInput {
  return { ...projectInput(), components, ...(subsystems ? { subsystems } : {}) };
}

/** The zod issues of a project file, as `path: message` lines. */
function issues(input: ProjectDefinitionInput): string[] {
  const result = ProjectDefinition.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('project file: subsystems and dependsOn', () => {
  it('accepts a graph without cycles and subsystems over known components', () => {
    const input = project([component('a'), component('b', ['a']), component('c', ['b', 'a'])], [
      { id: 'perception', name: 'Perception', components: ['a', 'b'] },
      { id: 'serving', name: 'Serving', components: ['c'] },
    ]);
    expect(issues(input)).toEqual([]);
  });

  it('an old project file without the fields parses exactly as before', () => {
    const parsed = ProjectDefinition.parse(projectInput());
    expect(parsed).not.toHaveProperty('subsystems');
    expect(parsed.components[0]).not.toHaveProperty('dependsOn');
  });

  it('refuses a dependency on an unknown component, naming the field', () => {
    expect(issues(project([component('a'), component('b', ['a', 'ghost'])]))).toEqual(['components.1.dependsOn.1: "ghost" is not a component of this project']);
  });

  it('refuses a component depending on itself', () => {
    expect(issues(project([component('a', ['a'])]))).toEqual(['components.0.dependsOn.0: a component cannot depend on itself ("a")']);
  });

  it('refuses a cycle and names it', () => {
    const found = issues(project([component('a', ['c']), component('b', ['a']), component('c', ['b']), component('d')]));
    expect(found).toEqual(['components.0.dependsOn: dependencies form a cycle: a → c → b → a']);
    expect(findCycle([{ id: 'x', dependsOn: ['y'] }, { id: 'y', dependsOn: ['x'] }])).toEqual(['x', 'y', 'x']);
    expect(findCycle([{ id: 'x' }, { id: 'y', dependsOn: ['x'] }])).toBeUndefined();
  });

  it('refuses a subsystem naming an unknown component, and a component in two subsystems', () => {
    const found = issues(
      project([component('a'), component('b')], [
        { id: 'one', name: 'One', components: ['a', 'nope'] },
        { id: 'two', name: 'Two', components: ['a', 'b'] },
      ]),
    );
    expect(found).toEqual([
      'subsystems.0.components.1: "nope" is not a component of this project',
      'subsystems.1.components.0: "a" is already in subsystem "one"; a component is in at most one subsystem',
    ]);
  });

  it('an added component may not depend on itself (which ids exist is the project workflow\'s check)', () => {
    const result = NewComponent.safeParse(component('a', ['a']));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['dependsOn.0: a component cannot depend on itself ("a")']);
    expect(NewComponent.safeParse(component('z', ['a', 'b'])).success).toBe(true);
  });
});

describe('the dependency graph', () => {
  const graph = [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['b'] }, { id: 'd', dependsOn: ['a', 'c'] }, { id: 'e' }];

  it('finds direct and transitive dependents, each once by its shortest path', () => {
    expect(dependentsOf(graph, 'a')).toEqual([
      { componentId: 'b', via: [] },
      { componentId: 'd', via: [] },
      { componentId: 'c', via: ['b'] },
    ]);
    expect(dependentsOf(graph, 'c')).toEqual([{ componentId: 'd', via: [] }]);
    expect(dependentsOf(graph, 'e')).toEqual([]);
    expect(dependencyPath({ componentId: 'c', via: ['b'] }, 'a')).toBe('c depends on b, which depends on a');
  });

  it('a subsystem is as ready as its least ready live component', () => {
    const levels = [
      { componentId: 'a', level: 5, state: 'working' as const },
      { componentId: 'b', level: 2, state: 'retired' as const },
      { componentId: 'c', level: 3, state: 'paused' as const },
    ];
    expect(subsystemStatuses([{ id: 's', name: 'S', components: ['a', 'b', 'c'] }, { id: 'r', name: 'R', components: ['b'] }], levels)).toEqual([
      { id: 's', name: 'S', components: ['a', 'b', 'c'], level: 3 },
      { id: 'r', name: 'R', components: ['b'], level: null },
    ]);
  });

  it('reads a switchback from a report: a path counted more often, or a lower level', () => {
    const figures = (paths: { from: number; to: number; kind: 'discovery' | 'review' | 'embedded'; count: number }[]) => ({ switchbacks: paths, leftOut: { switchbacks: 0 } });
    expect(reportedSwitchback({ level: 5, figures: figures([]) }, { level: 3, figures: figures([{ from: 5, to: 3, kind: 'discovery', count: 1 }]) })).toEqual({
      from: 5,
      to: 3,
      kind: 'discovery',
    });
    // A graduation is no switchback; nor is a report that changes nothing.
    expect(reportedSwitchback({ level: 3, figures: figures([]) }, { level: 4, figures: figures([]) })).toBeUndefined();
    const once = figures([{ from: 5, to: 3, kind: 'review', count: 1 }]);
    expect(reportedSwitchback({ level: 3, figures: once }, { level: 3, figures: once })).toBeUndefined();
    // A summary kept before figures were reported: the level says it.
    expect(reportedSwitchback({ level: 6 }, { level: 4, figures: figures([{ from: 6, to: 4, kind: 'review', count: 1 }]) })).toEqual({ from: 6, to: 4, kind: 'review' });
  });
});

describe('DEPENDENCY_FLAG', () => {
  const flag = (extra: Partial<Extract<EventInput, { type: 'DEPENDENCY_FLAG' }>> = {}): EventInput => ({
    type: 'DEPENDENCY_FLAG',
    by: 'project',
    dependency: 'data-pipeline',
    from: 5,
    to: 3,
    kind: 'discovery',
    reason: 'anomaly-model depends on data-pipeline',
    ...extra,
  });

  it('records the flag on the card and emails the owner', () => {
    const c = start({ entryLevel: 2 });
    c.accept(flag());
    expect(c.context.dependencyFlags).toEqual([{ dependency: 'data-pipeline', from: 5, to: 3, kind: 'discovery', reason: 'anomaly-model depends on data-pipeline', at: c.now }]);
    expect(c.effects).toEqual([{ type: 'notifyDependencyFlag', level: 2, flag: c.context.dependencyFlags![0], to: [OWNER] }]);
    expect(c.level).toBe(2);
    expect(c.state).toBe('working');
    const view = cardView(c.context);
    expect(view.dependencyFlags).toEqual([{ ...c.context.dependencyFlags![0], open: true }]);
    expect(cardToMarkdown(view)).toContain('## Dependency flags');
  });

  it('only the project sends it: anyone else is refused', () => {
    const c = start({ entryLevel: 2 });
    c.send(flag({ by: OWNER.email }));
    expect(c.lastRefusals).toEqual(["by: only the project flags a dependency's switchback"]);
    c.send(flag({ dependency: c.context.componentId }));
    expect(c.lastRefusals).toEqual(['dependency: a component is not its own dependency']);
    c.send(flag({ from: 3, to: 3 }));
    expect(c.lastRefusals).toEqual(['to: a switchback goes down (from 3, to 3)']);
    expect(c.context.dependencyFlags).toBeUndefined();
  });

  it('is taken paused and in review, and refused once retired', () => {
    const paused = start({ entryLevel: 2 }).accept({ type: 'PAUSE', by: OWNER.email, reason: 'hold' });
    paused.accept(flag());
    expect(paused.state).toBe('paused');
    const reviewing = start({ entryLevel: 2 }).fillGate().submit({ proposal: raisingProposal(2) });
    reviewing.accept(flag());
    expect(reviewing.state).toBe('inReview');
    const retired = start({ entryLevel: 2 }).accept({ type: 'RETIRE', by: OWNER.email, reason: 'done' });
    retired.send(flag());
    expect(retired.lastRefusals).toEqual(['the component is retired']);
    expect(retired.context.dependencyFlags).toBeUndefined();
  });

  it('stays open until the next approved review, which closes it', () => {
    const c = start({ entryLevel: 2 });
    c.accept(flag());
    c.fillGate().submit({ proposal: raisingProposal(2) });
    expect(openDependencyFlags(c.context)).toHaveLength(1);
    c.approveAll();
    expect(c.level).toBe(3);
    expect(openDependencyFlags(c.context)).toEqual([]);
    expect(dependencyFlagViews(c.context)[0]).toMatchObject({ open: false, closedBy: 'r1' });
  });

  it('keeps the latest flags only', () => {
    const c = start({ entryLevel: 2 });
    for (let i = 0; i < 60; i++) c.accept(flag({ reason: `flag ${i}` }));
    expect(c.context.dependencyFlags).toHaveLength(50);
    expect(c.context.dependencyFlags!.at(-1)!.reason).toBe('flag 59');
  });
});

describe('what holds a component back, in words', () => {
  const below = { componentId: 'b', name: 'B', level: 3, levelName: 'System development', state: 'working' as const };
  const gate = { level: 3, ready: false, missingDeliverables: ['testingStatus'], unmitigatedRisks: [], panelGaps: [], openTasks: ['t1', 't2'] };

  it('names missing deliverables and the open tasks the next submit must resolve', () => {
    expect(gapLines({ ...below, gate })).toEqual(['missing deliverables: testingStatus', 'open tasks the submit must resolve: t1, t2']);
  });

  it("says a re-review waits for the owner's ethics answers rather than for roles", () => {
    const openReview = { id: 'r9', level: 9, missingRoles: ['qa'], awaitingEthics: true as const };
    expect(gapLines({ ...below, level: 9, gate: { ...gate, openTasks: [] }, openReview })).toEqual(["re-review r9 is waiting for the owner's ethics answers"]);
    expect(gapLines({ ...below, level: 9, gate, openReview: { id: 'r9', level: 9, missingRoles: ['qa'] } })).toEqual(['review r9 is open, waiting on qa']);
  });
});
