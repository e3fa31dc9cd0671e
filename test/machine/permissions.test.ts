/** Which forms a person is shown: the rules asked with probes, never re-stated (machines/permissions.ts). */
import { describe, expect, it } from 'vitest';
import { permissionsFor } from '../../machines/permissions.js';
import { OWNER, PROJECT_OWNER, STRANGER, T0, email, ethicsAnswers, gatePatch, start } from './helpers.js';

describe('permissions', () => {
  it('gives the owner and a project owner the lifecycle forms, a roster member the card and submit, a stranger nothing', () => {
    const c = start().accept({ type: 'UPDATE_CARD', by: OWNER.email, patch: gatePatch(0, start().context.card) });
    const owner = permissionsFor(c.snapshot, OWNER.email, T0);
    expect(owner).toMatchObject({ editCard: true, submit: true, pause: true, resume: false, retire: true, branch: true, answerEthics: false, switchbackTargets: [] });
    expect(owner.deliverables).toEqual(['hypotheses', 'literature', 'dataReadiness']);
    expect(permissionsFor(c.snapshot, PROJECT_OWNER.email, T0)).toMatchObject({ pause: true, branch: true });
    expect(permissionsFor(c.snapshot, email('research-lead', 1), T0)).toMatchObject({ editCard: true, submit: true, pause: false, retire: false, branch: false });
    expect(permissionsFor(c.snapshot, STRANGER, T0)).toMatchObject({ editCard: false, submit: false, pause: false, retire: false, branch: false, switchbackTargets: [] });
  });

  it('follows the state: in review there is no submit; paused, only resume and retire; a discovery switchback lists the levels the rules allow', () => {
    const c = start().accept({ type: 'UPDATE_CARD', by: OWNER.email, patch: gatePatch(0, start().context.card) });
    c.accept({ type: 'SUBMIT', by: PROJECT_OWNER.email, ethics: ethicsAnswers(c.context) });
    expect(permissionsFor(c.snapshot, OWNER.email, T0)).toMatchObject({ submit: false, pause: true });
    c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'waiting for data' });
    expect(permissionsFor(c.snapshot, OWNER.email, T0)).toMatchObject({ submit: false, pause: false, resume: true, retire: true });

    const atTwo = start({ entryLevel: 0 });
    atTwo.snapshot = { ...atTwo.snapshot, context: { ...atTwo.context, level: 2 } };
    expect(permissionsFor(atTwo.snapshot, OWNER.email, T0).switchbackTargets).toEqual([0, 1]);
    expect(permissionsFor(atTwo.snapshot, STRANGER, T0).switchbackTargets).toEqual([]);
  });
});
