/**
 * Named policy profiles: how a profile resolves, how a project's own fields apply on top, the lean
 * profile's panels and cadence, and the causal-inference profile's gates naming the missing part.
 */
import { describe, expect, it } from 'vitest';
import { LEVELS } from '../../machines/levels.js';
import { CardPatch, Policy, ProjectDefinition, policyFloorRefusals } from '../../machines/model.js';
import { requiredRoles } from '../../machines/panel.js';
import { PROFILES } from '../../machines/profiles.js';
import { cardView, componentStatus } from '../../machines/status.js';
import { InputError, parseInput } from '../../machines/validation.js';
import { DAY, projectInput, start } from './helpers.js';

/** The policy every project got before profiles existed, as the schema's defaults gave it. */
const DEFAULT_POLICY = { approvalsPerRole: 1, remindEvery: '2 days', escalateAfter: '7 days', rereviewEvery: '90 days', riskThreshold: 3 };

const CAUSAL_STRUCTURE = {
  graph: 'Three-layer noisy-OR network: risk factors → diseases → symptoms',
  expertsConsulted: '12 doctors across 4 specialties elicited the edges; an independent group of 6 reviewed them',
  consensus: 'Edges kept where at least 5 of 6 reviewers agreed; disagreements logged',
};

describe('profile resolution', () => {
  it('a policy without a profile resolves to exactly the defaults it had before profiles, with no profile or levels key', () => {
    expect(Policy.parse({})).toStrictEqual(DEFAULT_POLICY);
    expect(ProjectDefinition.parse(projectInput()).policy).toStrictEqual(DEFAULT_POLICY);
    // A recorded input (fully written policy with levels and a checklist) comes out as it went in.
    const recorded = {
      ...DEFAULT_POLICY,
      remindEvery: '3 days',
      levels: { '4': { roles: ['engineering' as const] } },
      ethicsChecklist: [{ id: 'consent', question: 'Was consent given?', stage: 'pre-development' as const }],
    };
    expect(Policy.parse(recorded)).toStrictEqual(recorded);
  });

  it('`default` named explicitly gives the same values and records the name', () => {
    expect(Policy.parse({ profile: 'default' })).toStrictEqual({ profile: 'default', ...DEFAULT_POLICY });
  });

  it('`lean` shortens every cadence and seats at most two roles per level', () => {
    const lean = Policy.parse({ profile: 'lean' });
    expect(lean).toMatchObject({ profile: 'lean', approvalsPerRole: 1, remindEvery: '1 day', escalateAfter: '3 days', rereviewEvery: '30 days', riskThreshold: 3 });
    for (const key of ['remindEvery', 'escalateAfter', 'rereviewEvery'] as const) {
      expect(Policy.parse({ profile: 'lean', [key]: DEFAULT_POLICY[key] })[key]).toBe(DEFAULT_POLICY[key]);
    }
  });

  it('a resolved policy resolves to itself, so a workflow parsing it again changes nothing', () => {
    for (const profile of ['default', 'lean', 'causal-inference'] as const) {
      const once = Policy.parse({ profile, remindEvery: '5 days', levels: { '3': { roles: ['qa'] } } });
      expect(Policy.parse(once)).toStrictEqual(once);
    }
  });

  it("a project's own fields apply on top of the profile, level by level and key by key", () => {
    const policy = Policy.parse({
      profile: 'lean',
      remindEvery: '12 hours',
      approvalsPerRole: 2,
      levels: { '4': { roles: ['engineering'] }, '2': { deliverables: ['experiments'] } },
    });
    expect(policy).toMatchObject({ remindEvery: '12 hours', escalateAfter: '3 days', rereviewEvery: '30 days', approvalsPerRole: 2 });
    expect(policy.levels?.['4']).toEqual({ roles: ['engineering'] });
    expect(policy.levels?.['2']).toEqual({ deliverables: ['experiments'] });
    expect(policy.levels?.['7']).toEqual({ roles: ['engineering', 'qa'] });

    // The project's roles at Level 0 keep the causal profile's deliverables there; its own deliverables replace them.
    const causal = Policy.parse({ profile: 'causal-inference', levels: { '0': { roles: ['researcher'] }, '1': { deliverables: ['experiments'] } } });
    expect(causal.levels?.['0']).toEqual({ roles: ['researcher'], deliverables: PROFILES['causal-inference'].levels?.['0']?.deliverables });
    expect(causal.levels?.['1']).toEqual({ deliverables: ['experiments'] });
  });

  it('an unknown profile is refused naming the field and the allowed names', () => {
    const input = projectInput({ policy: { profile: 'tiny' as 'lean' } });
    expect(() => parseInput(ProjectDefinition, input, 'project')).toThrow(InputError);
    expect(() => parseInput(ProjectDefinition, input, 'project')).toThrow('project: policy.profile: must be one of default, lean, causal-inference');
  });

  it("the operator's floor applies to durations a profile gave, and says where they came from", () => {
    const lean = Policy.parse({ profile: 'lean' });
    expect(policyFloorRefusals(lean, '1 hour')).toEqual([]);
    expect(policyFloorRefusals(lean, '2 days')).toEqual([
      'policy.remindEvery: "1 day" (from profile "lean") is shorter than this server\'s floor of 2 days (MLTRL_MIN_POLICY_INTERVAL)',
    ]);
    expect(policyFloorRefusals(lean, '31 days')).toHaveLength(3);
    // A duration the project wrote itself is named without the profile.
    expect(policyFloorRefusals(Policy.parse({ profile: 'lean', remindEvery: '2 hours' }), '1 day')).toEqual([
      'policy.remindEvery: "2 hours" is shorter than this server\'s floor of 1 day (MLTRL_MIN_POLICY_INTERVAL)',
    ]);
  });
});

describe('lean panels and cadence', () => {
  it('every level seats at most two roles, all of them among the framework’s roles for that level', () => {
    const c = start({ policy: { profile: 'lean' } });
    for (const { level, roles } of LEVELS) {
      const lean = requiredRoles(c.context, level);
      expect(lean.length).toBeGreaterThan(0);
      expect(lean.length).toBeLessThanOrEqual(2);
      for (const role of lean) expect(roles).toContain(role);
    }
    expect(requiredRoles(c.context, 4)).toEqual(['applied-ai', 'product']);
    // The same project without a profile keeps the framework's full panel.
    expect(requiredRoles(start().context, 4)).toEqual(['applied-ai', 'engineering', 'product']);
  });

  it('a lean review closes on its two roles, reminds after a day and escalates after three', () => {
    const c = start({ entryLevel: 4, policy: { profile: 'lean' } });
    c.fillGate().submit({ proposal: 'proceed' });
    const review = c.review!;
    expect(review.nextReminderAt - review.submittedAt).toBe(DAY);
    expect(review.escalateAt - review.submittedAt).toBe(3 * DAY);
    expect(c.panel().every((p) => /^(applied-ai|product)\./.test(p.email))).toBe(true);
    c.approve('applied-ai.1@lab.io');
    expect(c.level).toBe(4);
    c.approve('product.1@lab.io');
    expect(c.level).toBe(5);
    expect(c.lastClosed).toMatchObject({ outcome: 'approved', verdicts: [{ reviewer: 'applied-ai.1@lab.io' }, { reviewer: 'product.1@lab.io' }] });
  });

  it('climbs 0 to 9 with every panel at most two roles', () => {
    const c = start({ policy: { profile: 'lean' } });
    while (c.level < 9) {
      c.fillGate().submit({ proposal: ({ 2: 'prototype', 4: 'proceed', 8: 'go' } as Record<number, string>)[c.level] ?? 'graduate' });
      expect(new Set(c.panel().map((p) => p.email.split('.')[0])).size).toBeLessThanOrEqual(2);
      c.approveAll();
    }
    expect(c.level).toBe(9);
  });

  it('status and card show the profile, and the card lists the lean panel as its reviewers', () => {
    const c = start({ entryLevel: 4, policy: { profile: 'lean' } });
    expect(componentStatus('working', c.context).profile).toBe('lean');
    expect(Object.keys(cardView(c.context).summary.reviewers)).toEqual(['applied-ai', 'product']);
    expect(cardView(c.context).summary.profile).toBe('lean');
    expect(componentStatus('working', start().context).profile).toBe('default');
  });
});

describe('causal-inference gates', () => {
  const causal = (entryLevel = 0) => start({ entryLevel, policy: { profile: 'causal-inference' } });

  it('accepts the causal deliverables as card keys', () => {
    expect(
      CardPatch.safeParse({ causalStructure: CAUSAL_STRUCTURE, identifiability: 'Proof', confoundingAdjustment: 'x', sensitivityAnalysis: 'y', consistency: 'z' }).success,
    ).toBe(true);
  });

  it('Level 0 names each missing part of the causal structure, and identifiability', () => {
    const c = causal().fillGate();
    const missing = ['causalStructure.graph', 'causalStructure.expertsConsulted', 'causalStructure.consensus', 'identifiability'];
    expect(c.gate().missingDeliverables).toEqual(missing);
    expect(c.submitRefusals()).toContain(`missing deliverables: ${missing.join(', ')}`);

    // One text is not the documented parts: each part stays missing by name.
    c.updateCard({ causalStructure: 'A DAG drawn with doctors' });
    expect(c.gate().missingDeliverables).toEqual(missing);

    c.updateCard({ causalStructure: { graph: CAUSAL_STRUCTURE.graph, expertsConsulted: CAUSAL_STRUCTURE.expertsConsulted } });
    expect(c.gate().missingDeliverables).toEqual(['causalStructure.consensus', 'identifiability']);
    expect(c.submitRefusals()).toContain('missing deliverables: causalStructure.consensus, identifiability');
    expect(c.review).toBeNull();

    c.updateCard({ causalStructure: CAUSAL_STRUCTURE, identifiability: 'Counterfactual query identified by twin-network proof' });
    expect(c.gate().missingDeliverables).toEqual([]);
    c.submit().approveAll();
    expect(c.level).toBe(1);
  });

  it('Levels 1, 2 and 4 add confounding adjustment, sensitivity analysis and consistency; Level 3 is the framework’s', () => {
    const expected: Record<number, string[]> = { 1: ['confoundingAdjustment'], 2: ['sensitivityAnalysis'], 3: [], 4: ['consistency'] };
    for (const [level, extra] of Object.entries(expected)) {
      const c = causal(Number(level)).fillGate();
      expect(c.gate().missingDeliverables).toEqual(extra);
      if (extra.length > 0) {
        expect(c.submitRefusals()).toContain(`missing deliverables: ${extra.join(', ')}`);
        c.updateCard(Object.fromEntries(extra.map((key) => [key, `${key} documented`])));
        expect(c.gate().missingDeliverables).toEqual([]);
      }
    }
  });

  it('the same card without the profile passes the framework’s gates', () => {
    expect(start().fillGate().gate().missingDeliverables).toEqual([]);
    expect(start({ entryLevel: 4 }).fillGate().gate().missingDeliverables).toEqual([]);
  });
});
