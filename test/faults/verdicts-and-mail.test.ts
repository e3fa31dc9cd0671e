/**
 * Faults on the reviewers' side, on the real dev server: verdicts that arrive late, twice, or
 * twice at once by two routes (signal and update), and a mail server that is down for a while.
 * Each ends with nothing lost and nothing counted or sent twice.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailNotifier } from '../../activities/email.js';
import { createLinks } from '../../src/http/core/links.js';
import { smtpTransport } from '../../src/runtime/mail.js';
import { freePort } from '../../src/local/temporalServer.js';
import { cardQuery, historyQuery, reviewSignal, statusQuery, type ReviewState } from '../../workflows/definitions.js';
import { project, reviewer } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startSmtpSink, type SmtpSink } from '../support/smtpSink.js';
import { decide, fillCard, refused, soon, startAndReach, submit } from '../workflow/steps.js';
import { workflowTaskFailures } from '../fuzz/server.js';
import { deliveredOnce, deliveryFailed, merged } from '../support/notifications.js';

const RL1 = reviewer('research-lead', 1).email;
const RL2 = reviewer('research-lead', 2).email;
const R1 = reviewer('researcher', 1).email;

/** The audit entries of verdicts (by signal or update) from `who` on `reviewId`. */
async function verdictEntries(handle: WorkflowHandle, who: string, reviewId: string) {
  const about = new RegExp(`^reviewId: review ${reviewId}\\b|on review ${reviewId}\\b`);
  const history = await handle.query(historyQuery);
  return history.filter((h) => (h.what === 'review' || h.what === 'decide') && h.who === who && about.test(h.why ?? '')).map((h) => h.outcome);
}

describe('duplicate and out-of-order verdicts', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it('are counted once: late verdicts for a closed review never touch the next one, and racing duplicates count once', async () => {
    const definition = project({ policy: { approvalsPerRole: 2 } });
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);

    // r1 is closed by a blocking verdict from one reviewer; r2 opens at the same level.
    const r1 = await submit(component);
    await decide(component, r1.id, RL1, 'request-changes', { tasks: ['add a second site'] });
    const r2 = await submit(component, undefined, undefined, { t1: { status: 'done', note: 'second site added' } });
    expect(r2).toMatchObject({ id: 'r2', level: 0, approvals: {} });

    // A verdict for r1 from the reviewer who had not answered it arrives after r2 opened: by
    // update it is refused, naming the open review; by signal it is recorded as refused.
    const late = await refused(() => decide(component, r1.id, RL2));
    expect(late).toMatchObject({ kind: 'refused', message: 'reviewId: review r1 is closed; the open review is r2' });
    await component.signal(reviewSignal, { reviewId: r1.id, reviewer: RL2, verdict: 'approve' });
    // The reviewer who closed r1 repeats their verdict by both routes: acknowledged, nothing more.
    await component.signal(reviewSignal, { reviewId: r1.id, reviewer: RL1, verdict: 'request-changes', tasks: ['add a second site'] });
    expect(await decide(component, r1.id, RL1, 'request-changes', { tasks: ['add a second site'] })).toMatchObject({ acknowledged: 'repeated', open: false, outcome: 'changes-requested' });
    await soon(async () => expect(await verdictEntries(component, RL2, r1.id)).toEqual(['refused']));
    expect((await component.query(statusQuery)).openReview).toMatchObject({ id: 'r2', approvals: {}, answered: [] });

    // The same verdict sent six times at once by update: counted once.
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => decide(component, r2.id, RL1)));
    expect(concurrent.map((s) => s.acknowledged).sort()).toEqual(['counted', 'repeated', 'repeated', 'repeated', 'repeated', 'repeated']);
    expect((await component.query(statusQuery)).openReview).toMatchObject({ id: 'r2', approvals: { 'research-lead': 1 } });

    // The quorum-reaching verdict, racing by signal and by update three times each: counted once,
    // the review closes once, the level rises once.
    const racing = await Promise.all([
      ...Array.from({ length: 3 }, () => component.signal(reviewSignal, { reviewId: r2.id, reviewer: RL2, verdict: 'approve' }).then(() => undefined)),
      ...Array.from({ length: 3 }, () => decide(component, r2.id, RL2)),
    ]);
    const answers = racing.filter((r): r is ReviewState => r !== undefined);
    expect(answers.filter((a) => a.acknowledged === 'counted').length).toBeLessThanOrEqual(1);
    expect(answers.every((a) => a.open === false && a.outcome === 'approved' && a.level === 1)).toBe(true);
    await soon(async () => {
      const entries = await verdictEntries(component, RL2, r2.id);
      expect(entries).toHaveLength(6);
      expect(entries.filter((o) => o === 'accepted')).toHaveLength(1);
      expect(entries.filter((o) => o === 'acknowledged')).toHaveLength(5);
    });

    // r3 opens at Level 1; late repeats for r2 are acknowledged, a late first verdict for r2 refused.
    const r3 = await submit(component);
    expect(r3).toMatchObject({ id: 'r3', level: 1 });
    await component.signal(reviewSignal, { reviewId: r2.id, reviewer: RL2, verdict: 'approve' });
    expect(await decide(component, r2.id, RL1)).toMatchObject({ acknowledged: 'repeated', outcome: 'approved' });
    expect(await refused(() => decide(component, r2.id, R1))).toMatchObject({ message: 'reviewId: review r2 is closed; the open review is r3' });
    await soon(async () => expect(await verdictEntries(component, RL2, r2.id)).toHaveLength(7));

    const status = await component.query(statusQuery);
    expect(status).toMatchObject({ level: 1, state: 'in-review', openReview: { id: 'r3', approvals: {}, answered: [] } });
    const card = await component.query(cardQuery);
    expect(card.timeline.map((t) => [t.from, t.to])).toEqual([
      [null, 0],
      [0, 1],
    ]);
    expect(card.graduations).toHaveLength(1);
    expect(card.reviews.map((r) => [r.id, r.outcome, r.verdicts.map((v) => v.reviewer)])).toEqual([
      ['r1', 'changes-requested', [RL1]],
      ['r2', 'approved', [RL1, RL2]],
    ]);

    // Every email once: each review opened once and closed at most once.
    await soon(() => {
      const sent = harness.sent.filter((n) => n.projectId === definition.id);
      expect(merged(sent).map((n) => `${n.kind} ${n.reviewId}`)).toEqual(['review-opened r1', 'review-closed r1', 'review-opened r2', 'review-closed r2', 'debrief-requested r2', 'review-opened r3']);
      expect(deliveredOnce(sent)).toBe(true);
    });
    expect(await workflowTaskFailures(harness.client, component.workflowId)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// SMTP down for a while
// ---------------------------------------------------------------------------------------------

type GateMode = 'refuse' | 'close' | '421' | 'open';

/**
 * A TCP front for the SMTP sink that can be down: refusing connections (nothing listens), closing
 * them on accept, or greeting with `421` and hanging up; when open it forwards to the sink.
 */
class SmtpGate {
  mode: GateMode = 'refuse';
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly sinkPort: number,
  ) {}

  async set(mode: GateMode): Promise<void> {
    this.mode = mode;
    if (mode === 'refuse') {
      await this.close();
      return;
    }
    if (this.server) return;
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (this.mode === 'close') {
      client.destroy();
    } else if (this.mode === '421') {
      client.end('421 mail.lab.example Service not available, closing transmission channel\r\n');
    } else {
      const upstream = tcpConnect(this.sinkPort, '127.0.0.1');
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('the mail server down for a while', () => {
  let harness: Harness;
  let sink: SmtpSink;
  let gate: SmtpGate;
  beforeAll(async () => {
    sink = await startSmtpSink();
    gate = new SmtpGate(await freePort(), sink.port);
    const links = createLinks({ secret: 'faults-secret-for-review-links-0123456789', publicUrl: 'http://127.0.0.1:9', ttlMs: 60 * 60_000 });
    harness = await startHarness({ notifier: createEmailNotifier({ transport: smtpTransport(`smtp://127.0.0.1:${gate.port}`), from: 'mltrl <reviews@lab.example>', links }) });
  });
  afterAll(async () => {
    await harness?.stop();
    await gate?.close();
    await sink?.stop();
  });

  it('delays mail, keeps every review whole, and delivers each message once when it is back', async () => {
    const definition = project();
    const ours = (m: { text: string }) => m.text.includes(`${definition.id}/anomaly-model`);
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);

    // Down three ways while reviews open and close: the workflow never waits on mail.
    await gate.set('refuse');
    const r1 = await submit(component);
    await gate.set('close');
    const closed = await decide(component, r1.id, RL1);
    expect(closed).toMatchObject({ open: false, outcome: 'approved', level: 1 });
    await gate.set('421');
    const r2 = await submit(component);
    expect(r2).toMatchObject({ id: 'r2', level: 1 });
    await decide(component, r2.id, RL2);
    // The first email was tried and refused; nothing got through.
    await deliveryFailed(component);
    expect(sink.received.filter(ours)).toEqual([]);
    const during = await component.query(historyQuery);
    expect(during.filter((h) => h.what.startsWith('notify') && h.outcome === 'done')).toEqual([]);
    expect(await component.query(statusQuery)).toMatchObject({ level: 1, state: 'in-review', openReview: { id: 'r2', approvals: { 'research-lead': 1 } } });

    // Back: the retries deliver everything, each message once.
    await gate.set('open');
    const expected = [
      ['review-opened', 'r1', RL1],
      ['review-opened', 'r1', RL2],
      ['review-closed', 'r1', 'owner@lab.example'],
      // The graduation from 0 asks the owner for that level's debrief.
      ['debrief-requested', 'r1', 'owner@lab.example'],
      ['review-opened', 'r2', RL1],
      ['review-opened', 'r2', RL2],
      ['review-opened', 'r2', reviewer('researcher', 1).email],
      ['review-opened', 'r2', reviewer('researcher', 2).email],
    ];
    // Every notification is recorded as done, none as failed: every email is in, and one sent twice
    // would have arrived before its notification was done.
    await soon(async () => {
      const history = await component.query(historyQuery);
      expect(history.filter((h) => h.what.startsWith('notify')).map((h) => `${h.what} ${h.outcome}`).sort()).toEqual([
        'notifyDebriefRequested done',
        'notifyReviewClosed done',
        'notifyReviewOpened done',
        'notifyReviewOpened done',
      ]);
    }, 120_000);
    const mail = sink.received.filter(ours);
    expect(mail).toHaveLength(expected.length);
    expect(new Set(mail.map((m) => m.messageId)).size).toBe(mail.length);
    const described = mail.map((m) => [/review-(opened|closed)|debrief-requested/.exec(m.messageId)?.[0], /\.(r\d+)\./.exec(m.messageId)?.[1], m.to[0]]);
    expect(described.map((d) => d.join(' ')).sort()).toEqual(expected.map((e) => e.join(' ')).sort());

    // The reviews are as they were.
    expect(await component.query(statusQuery)).toMatchObject({ level: 1, state: 'in-review', openReview: { id: 'r2', approvals: { 'research-lead': 1 } } });
    expect(await workflowTaskFailures(harness.client, component.workflowId)).toEqual([]);
  });
});
