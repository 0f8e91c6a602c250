// The unit's daily number is taken in a transaction of its own, committed without waiting for the
// disk (migration 1766200000000); its durability comes from the commit of the dossier that carries
// it. This suite crashes PostgreSQL (kill -9 of the postmaster, durable commits on) in the middle of
// concurrent intakes at one unit, starts it again, and checks that no code was given twice: every
// code the API acknowledged (201) is stored, none twice, and intakes after the restart all succeed
// (a counter gone back would hit the unique code and fail them).
import type { Api } from '../support/http';
import { startApi } from '../support/http';
import { clockOf } from '../public/support';
import { waitFor } from '../support/processes';
import { buildProvince, intakeBody } from '../support/province';
import { PostgresServer } from '../support/servers';
import { Client } from 'pg';

const CLIENTS = 12;
const BEFORE_CRASH = 150;
const AFTER_RESTART = 150;

describe('intake codes across a PostgreSQL crash', () => {
  let pg: PostgresServer;
  let api: Api;

  beforeAll(async () => {
    pg = PostgresServer.start({ fsync: 'on' });
    api = await startApi({ DATABASE_URL: pg.url, DATABASE_POOL_SIZE: String(CLIENTS) });
  }, 180_000);

  afterAll(async () => {
    await api?.close().catch(() => undefined);
    pg?.destroy();
  });

  it('never gives a code twice when PostgreSQL is killed mid-load and restarted', async () => {
    // One reception day for the whole run (the daily sequence restarts at midnight).
    clockOf(api)('2026-11-25T09:00:00');
    const { tokens } = await buildProvince(api);
    const acknowledged: string[] = [];
    let failed = 0;
    let stop = false;
    const loop = async () => {
      while (!stop) {
        const res = await api
          .request('POST', '/dossiers', { token: tokens.clerk, body: intakeBody() })
          .catch(() => ({ status: 0, body: null }));
        if (res.status === 201) acknowledged.push(res.body.code as string);
        else {
          failed++;
          // While the server is down, do not spin.
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };
    const number = (code: string) => Number(code.slice(code.lastIndexOf('-') + 1));
    const run = async (until: () => boolean, what: string, whileRunning?: () => Promise<void>) => {
      stop = false;
      const loops = Array.from({ length: CLIENTS }, loop);
      try {
        await waitFor(until, 120_000, what);
        await whileRunning?.();
      } finally {
        stop = true;
        await Promise.all(loops);
      }
    };

    // Mid-load: the other clients' intakes are in flight as the server dies.
    await run(
      () => acknowledged.length >= BEFORE_CRASH,
      `${BEFORE_CRASH} intakes`,
      async () => {
        pg.kill9();
        const failedBefore = failed;
        await waitFor(() => failed > failedBefore, 60_000, 'intakes failing while the server is down');
      },
    );
    const beforeCrash = [...acknowledged];
    await pg.restartAfterCrash();

    const sql = new Client({ connectionString: pg.url });
    await sql.connect();
    try {
      // After recovery the counter is at or past every number a client was given.
      const { rows: counters } = await sql.query<{ last: number }>(`SELECT last FROM dossier_code_sequences`);
      expect(counters).toHaveLength(1);
      expect(counters[0].last).toBeGreaterThanOrEqual(Math.max(...beforeCrash.map(number)));

      // Intakes go on (the pool replaces its dead connections).
      await run(
        () => acknowledged.length >= beforeCrash.length + AFTER_RESTART,
        `${AFTER_RESTART} intakes after the restart`,
      );
      expect(new Set(acknowledged).size).toBe(acknowledged.length);
      const { rows } = await sql.query<{ code: string }>(`SELECT code FROM dossiers`);
      const stored = new Set(rows.map((r) => r.code));
      // Every acknowledged intake survived the crash (its commit was durable).
      expect(acknowledged.filter((c) => !stored.has(c))).toEqual([]);
      // The numbers lost with the crash (taken, their dossier not committed) are gaps, never reused.
      const numbers = rows.map((r) => number(r.code));
      expect(new Set(numbers).size).toBe(numbers.length);
      expect(Math.min(...acknowledged.slice(beforeCrash.length).map(number))).toBeGreaterThan(
        Math.max(...beforeCrash.map(number)),
      );
    } finally {
      await sql.end();
    }
  }, 400_000);
});
