import { FaultRun, FaultScenario, mailCounts, OVERDUE } from './faults-scenario';

/**
 * Faults under load: intakes and actions run through two API processes while Redis dies
 * and comes back, PostgreSQL crashes and comes back, the worker is killed mid-recomputation and an
 * API process is killed mid-request (test/reliability/faults-scenario.ts). The servers are the
 * suite's own. Afterwards PostgreSQL must hold every acknowledged write, every dossier must equal the
 * replay of its gap-free events, and every alert must exist once and be delivered, each e-mail once
 * (counted by Message-ID). How fast the service answered again after each fault depends on the
 * machine: the recovery benchmark reports it (`npm run bench -- recovery`), this suite does not
 * time it.
 */
describe('faults under load', () => {
  const scenario = new FaultScenario();
  let run: FaultRun;
  let mismatches: string[];

  beforeAll(async () => {
    await scenario.setUp();
    run = await scenario.run();
    mismatches = await scenario.replayMismatches();
    const mail = mailCounts(run);
    const webhookCallsRepeated = run.hookCalls.length - new Set(run.hookCalls).size;
    console.log(
      `faults under load:\n${JSON.stringify(
        {
          ...run.summary,
          lostAcknowledgedWrites: run.lostIntakes.length + run.lostActionKeys.length,
          ...run.figures,
          dossiers: run.invariants.dossiers,
          events: run.invariants.events,
          alerts: run.invariants.alerts,
          deliveries: run.deliveries.length,
          emailsReceived: mail.received,
          emailsDistinctMessageIds: mail.distinctMessageIds,
          emailsResentSameMessageId: mail.resent,
          webhookCalls: run.hookCalls.length,
          webhookCallsRepeated,
        },
        null,
        2,
      )}\nfaults at (s): ${JSON.stringify(run.marks)}\ne-mails re-sent (same Message-ID): ${mail.resentAt.join(' ')}`,
    );
  }, 900_000);

  afterAll(() => scenario.tearDown(), 60_000);

  it('loses no acknowledged write: every acknowledged intake and action is in PostgreSQL, one dossier per key', () => {
    expect(run.refused).toEqual([]);
    expect({ lostIntakes: run.lostIntakes, lostActions: run.lostActionKeys }).toEqual({
      lostIntakes: [],
      lostActions: [],
    });
    expect(run.summary.writesNeverAcknowledged).toBe(0);
    expect(run.clerkDossiers).toBe(run.clerkKeys);
    // Each fault did hit the load: some requests failed and were retried.
    expect(run.summary.requestsFailed).toBeGreaterThan(0);
  });

  it('keeps every dossier whole: gap-free events, the projection equal to their replay', () => {
    expect(run.invariants.halfChanged).toEqual([]);
    expect(run.invariants.gaps).toEqual([]);
    expect(mismatches).toEqual([]);
  });

  it('raises every alert once and delivers each: every e-mail once by Message-ID, every webhook', () => {
    expect(run.invariants.duplicateAlerts).toBe(0);
    expect(run.invariants.duplicateAlertDeadlines).toBe(0);
    expect(run.invariants.alerts).toBeGreaterThanOrEqual(3 * OVERDUE);
    const mail = mailCounts(run);
    const emails = run.deliveries.filter((d) => d.channel === 'email');
    expect(mail.notMailed).toEqual([]);
    expect(mail.unstable).toEqual([]);
    // No alert e-mail twice: one Message-ID per e-mail delivery. A transfer repeating a Message-ID
    // (the record of an acceptance lost with a dying worker) is one message to the mail client.
    expect(mail.distinctMessageIds).toBe(emails.length);
    const hooked = new Set(run.hookCalls);
    expect(run.deliveries.filter((d) => d.channel === 'webhook' && !hooked.has(d.id))).toEqual([]);
  });
});
