import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { RecomputeHandler } from '../../src/dossiers/recompute.handler';
import { PausedOverdueAlerts1765100000002 } from '../../migrations/1765100000002-paused-overdue-alerts';
import { Api, startApi } from '../support/http';
import { Proc, startProcess, waitFor } from '../support/processes';
import { freePort } from '../support/servers';
import { buildProvince, intakeBody, Province } from '../support/province';
import { act, clockOf, resolveNow } from '../public/support';

describe('recomputation of open dossiers after a calendar edit', () => {
  const procs: Proc[] = [];
  afterAll(() => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  });

  async function scenario(apiOverrides: Record<string, string>, workerOverrides: Record<string, string>) {
    const api: Api = await startApi(apiOverrides);
    const p: Province = await buildProvince(api);
    const at = new Date('2026-03-06T09:00:00+07:00'); // Friday
    api.app.get(Clock).now = () => at;
    const open = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
    const ended = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
    await api.request('POST', `/dossiers/${ended.id}/actions/withdraw`, {
      token: p.tokens.clerk,
      body: { expectedVersion: 1 },
    });
    expect(open.dueAt).toBe('2026-03-11T09:00:00+07:00');
    const worker = startProcess('src/worker.js', {
      ...api.env,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      LOG_LEVEL: 'info',
      ...workerOverrides,
    });
    procs.push(worker);
    await waitFor(() => /workers started/.test(worker.output()), 90_000, 'worker start');
    return { api, p, open, ended, worker };
  }

  it('moves the due instant of an open dossier when a day in its window becomes a holiday', async () => {
    const { api, p, open, ended, worker } = await scenario({}, {});
    try {
      const put = await api.request('PUT', '/calendar/days/2026-03-09', {
        token: p.admin,
        body: { kind: 'holiday', name: 'Nghỉ đột xuất' },
      });
      expect(put.status).toBe(200);
      const moved = await waitFor(
        async () => {
          const d = (await api.request('GET', `/dossiers/${open.id}`, { token: p.admin })).body;
          return d.dueAt === '2026-03-12T09:00:00+07:00' ? d : null;
        },
        60_000,
        'recomputed due instant',
      );
      expect(moved.version).toBe(1); // no new event: the history is the same, the calendar changed
      const endedNow = (await api.request('GET', `/dossiers/${ended.id}`, { token: p.admin })).body;
      expect(endedNow.status).toBe('withdrawn');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await api.close();
    }
  }, 240_000);

  it('keeps the outcome of an ended dossier when its result is returned after a calendar edit', async () => {
    const api = await startApi();
    try {
      const p = await buildProvince(api);
      const setNow = clockOf(api);
      setNow('2026-03-06T09:00:00'); // Friday; 3 working days: due Wed 11/03 09:00
      const d = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
      setNow('2026-03-12T08:30:00'); // resolved after the due instant: late
      await resolveNow(api, p, d);
      const resolved = (await api.request('GET', `/dossiers/${d.id}`, { token: p.admin })).body;
      expect(resolved.outcome).toBe('late');
      // A holiday on Mon 09/03 would move the due instant to Thu 12/03 09:00 (on time) if re-judged.
      const put = await api.request('PUT', '/calendar/days/2026-03-09', {
        token: p.admin,
        body: { kind: 'holiday', name: 'Nghỉ đột xuất' },
      });
      expect(put.status).toBe(200);
      setNow('2026-03-13T09:00:00');
      const returned = await act(api, d.id, 'return', p.tokens.clerk, { expectedVersion: resolved.version });
      expect(returned.status).toBe('returned');
      const after = (await api.request('GET', `/dossiers/${d.id}`, { token: p.admin })).body;
      expect(after).toMatchObject({ status: 'returned', outcome: 'late', dueAt: resolved.dueAt });
    } finally {
      await api.close();
    }
  });

  it('catches up through the periodic sweep when the edit could not enqueue (Redis unreachable from the API)', async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const { api, p, open, worker } = await scenario({ REDIS_URL: deadRedis }, { SWEEP_CRON: '* * * * * *' });
    try {
      const put = await api.request('PUT', '/calendar/days/2026-03-10', {
        token: p.admin,
        body: { kind: 'holiday', name: 'Nghỉ đột xuất' },
      });
      expect(put.status).toBe(200);
      await waitFor(
        async () =>
          (await api.request('GET', `/dossiers/${open.id}`, { token: p.admin })).body.dueAt ===
          '2026-03-12T09:00:00+07:00',
        60_000,
        'sweep recomputation',
      );
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
      await api.close();
    }
  }, 240_000);

  it('skips and logs a dossier it cannot rebuild, recomputing the rest of the batch', async () => {
    const api = await startApi();
    try {
      const p = await buildProvince(api);
      const setNow = clockOf(api);
      setNow('2026-03-06T09:00:00'); // Friday: due Wed 11/03 09:00
      const good = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
      const broken = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
      // A history its rules now refuse (an extension without its reason), as a policy or rule
      // change could leave behind.
      const db = api.app.get(DataSource);
      await db.query(
        `INSERT INTO dossier_events (dossier_id, seq, action, at, from_status, to_status, payload)
         VALUES ($1, 2, 'extend', '2026-03-06T10:00:00+07:00', 'received', 'received', '{}')`,
        [broken.id],
      );
      const put = await api.request('PUT', '/calendar/days/2026-03-09', {
        token: p.admin,
        body: { kind: 'holiday', name: 'Nghỉ đột xuất' },
      });
      expect(put.status).toBe(200);
      const handler = api.app.get(RecomputeHandler);
      const first = await handler.handle({});
      expect(first).toMatchObject({ skipped: 1 });
      expect(first.rebuilt).toBeGreaterThanOrEqual(1);
      expect((await api.request('GET', `/dossiers/${good.id}`, { token: p.admin })).body.dueAt).toBe(
        '2026-03-12T09:00:00+07:00',
      );
      // The broken one stays as it was, to be retried (and skipped again) by the next sweep.
      expect((await api.request('GET', `/dossiers/${broken.id}`, { token: p.admin })).body.dueAt).toBe(
        '2026-03-11T09:00:00+07:00',
      );
      expect(await handler.handle({})).toEqual({ rebuilt: 0, changed: 0, skipped: 1, rejudged: 0 });
    } finally {
      await api.close();
    }
  });

  it('gives dossiers paused past due before the overdue-while-paused release their alert columns (migration 1765100000002)', async () => {
    const api = await startApi();
    try {
      const p = await buildProvince(api);
      const setNow = clockOf(api);
      setNow('2026-03-02T08:00:00'); // due Thu 05/03 08:00
      const d = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
      setNow('2026-03-05T10:00:00'); // paused after the due instant
      const paused = await act(api, d.id, 'request_supplement', p.tokens.head, {
        expectedVersion: 1,
        reason: 'Thiếu',
        items: ['Bản vẽ'],
      });
      expect(paused.status).toBe('awaiting_supplement');
      const db = api.app.get(DataSource);
      const columns = async () =>
        (await db.query(`SELECT overdue_at, step_due_at FROM dossiers WHERE id = $1`, [d.id]))[0];
      const expected = await columns();
      expect(expected.overdue_at).toEqual(new Date('2026-03-05T08:00:00+07:00'));
      // As an earlier release wrote them: nothing to scan while paused.
      await db.query(`UPDATE dossiers SET overdue_at = NULL, step_due_at = NULL WHERE id = $1`, [d.id]);
      const runner = db.createQueryRunner();
      try {
        await new PausedOverdueAlerts1765100000002().up(runner);
      } finally {
        await runner.release();
      }
      expect(await api.app.get(RecomputeHandler).handle({})).toMatchObject({ rebuilt: 1, skipped: 0 });
      expect(await columns()).toEqual(expected);
    } finally {
      await api.close();
    }
  });
});
