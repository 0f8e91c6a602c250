// Recovery benchmark: how long the service takes to answer again after each fault of the faults
// scenario (test/reliability/faults-scenario.ts, the one the faults suite checks for correctness):
// Redis killed for 3 s, PostgreSQL crashed for 3 s, the worker killed (SIGKILL) mid-recomputation and
// started again, an API process killed with requests in flight and started again; all under a load
// of intakes and actions through two API processes, on servers of the benchmark's own (PostgreSQL
// with fsync off, Redis with AOF). Recovery = from the end of the fault until both APIs are ready and
// take a write and a worker ran a job. Targets: each <= 10 s. Also reported: e-mails sent again with
// the same Message-ID around the faults (harmless repeats), and acknowledged writes lost (0).
// Run alone: npm run build && node dist/test/bench/recovery.bench.js
import { BenchResult, check, fmt, runStandalone } from './support/bench-kit';
import { FaultScenario, mailCounts } from '../reliability/faults-scenario';

const LIMIT_S = 10;

export async function run(): Promise<BenchResult> {
  const scenario = new FaultScenario();
  try {
    console.log('  setting up: own PostgreSQL and Redis, two APIs, a worker, 4,100 dossiers');
    await scenario.setUp();
    console.log('  faults under load: Redis, PostgreSQL, the worker, an API');
    const r = await scenario.run();
    const f = r.figures;
    const mail = mailCounts(r);
    const lost = r.lostIntakes.length + r.lostActionKeys.length;
    console.log(`  figures: ${JSON.stringify(f)}`);
    const checks = [
      check(
        'API and worker answering after Redis came back',
        `${fmt(f.redisRecoveryS, 1)} s`,
        `<= ${LIMIT_S} s`,
        f.redisRecoveryS <= LIMIT_S,
      ),
      check(
        '... after PostgreSQL came back',
        `${fmt(f.postgresRecoveryS, 1)} s`,
        `<= ${LIMIT_S} s`,
        f.postgresRecoveryS <= LIMIT_S,
      ),
      check(
        '... after the worker was killed (a new worker running jobs)',
        `${fmt(f.workerRecoveryS, 1)} s`,
        `<= ${LIMIT_S} s`,
        f.workerRecoveryS <= LIMIT_S,
      ),
      check(
        '... after an API process was killed',
        `${fmt(f.apiRecoveryS, 1)} s`,
        `<= ${LIMIT_S} s`,
        f.apiRecoveryS <= LIMIT_S,
      ),
      check('acknowledged writes lost', fmt(lost), '0', lost === 0),
      check('alert e-mails with a Message-ID received twice', fmt(mail.resent), 'reported (harmless)', true),
    ];
    return {
      name: 'recovery',
      figures: {
        ...f,
        requestsSent: r.summary.requestsSent,
        requestsFailed: r.summary.requestsFailed,
        lostAcknowledgedWrites: lost,
        emailDeliveries: r.deliveries.filter((d) => d.channel === 'email').length,
        emailsReceived: mail.received,
        emailsResentSameMessageId: mail.resent,
      },
      checks,
      pass: checks.every((c) => c.ok),
      notes: [
        'Recovery: from the end of each fault until both APIs answer /health/ready and take an intake, and a worker ran a heartbeat job (after the worker kill: the new worker, whose own start-up is workerStartS).',
        `Faults began at (s from the start of the load): ${JSON.stringify(r.marks)}.`,
        `E-mails received again with the same Message-ID (a mail client drops them): ${mail.resentAt.join(' ') || 'none'}.`,
        'Correctness under the same faults (nothing lost, dossiers equal to their replay, no alert twice) is the faults suite: test/reliability/faults.integration-spec.ts.',
      ],
    };
  } finally {
    await scenario.tearDown();
  }
}

if (require.main === module) runStandalone(run, { servers: false });
