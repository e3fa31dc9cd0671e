/**
 * Reading a gate's checks from MLflow inside a component's run (gates backed by evidence): one
 * `readEvidence` activity, its readings stamped with the workflow's clock. Called only when the
 * card has checks to read, so a run whose card has none schedules nothing new and every history
 * recorded before checks existed replays as it ran. Never throws: an activity that does not finish
 * is read as MLflow unreadable, which the machine refuses in words.
 */
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { CheckToRead, Measured } from '../machines/evidence.js';

const { readEvidence } = proxyActivities<Activities>({
  // The submitter waits on the answer: MLflow's client gives up on a call after 15 s.
  startToCloseTimeout: '45 seconds',
  // A second attempt only for a worker lost mid-read; the activity itself answers an outage at once.
  retry: { initialInterval: '1 second', maximumAttempts: 2 },
});

export async function readChecks(checks: CheckToRead[]): Promise<Measured[]> {
  try {
    const read = await readEvidence(checks);
    const readAt = Date.now();
    return checks.map(({ key, check }) => ({
      key,
      check,
      readAt,
      reading: read.find((r) => r.key === key)?.reading ?? { kind: 'unreadable', why: 'no reading came back' },
    }));
  } catch (error) {
    log.warn('evidence read failed', { error: String(error) });
    const readAt = Date.now();
    return checks.map(({ key, check }) => ({ key, check, readAt, reading: { kind: 'unreadable', why: 'the read did not finish in time' } }));
  }
}
