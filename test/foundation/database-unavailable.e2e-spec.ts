import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Api, startApi } from '../support/http';
import { waitFor } from '../support/processes';
import { buildProvince, intakeBody, Province } from '../support/province';

/**
 * The database cannot serve a request: every connection of the API's pool is busy past
 * DATABASE_POOL_TIMEOUT_MS, or the request's connection is cut under it (a restart, a failover).
 * The answer is 503 SERVICE_UNAVAILABLE in the error shape with Retry-After, never a 500 and never a
 * request waiting for ever; nothing is half-written, and the API serves again as soon as it can.
 */
describe('the database unavailable to a request', () => {
  let api: Api;
  let p: Province;
  let ds: DataSource;

  beforeAll(async () => {
    api = await startApi({ DATABASE_POOL_SIZE: '2', DATABASE_POOL_TIMEOUT_MS: '300' });
    p = await buildProvince(api);
    ds = api.app.get(DataSource);
  }, 60_000);

  afterAll(() => api?.close());

  /** Holds every connection of the API's pool (each inside a transaction) until `release` is called. */
  async function holdPool(size: number): Promise<() => Promise<void>> {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const started: Promise<void>[] = [];
    const held: Promise<void>[] = [];
    for (let i = 0; i < size; i++) {
      let begun!: () => void;
      started.push(new Promise<void>((r) => (begun = r)));
      held.push(
        ds.transaction(async () => {
          begun();
          await gate;
        }),
      );
    }
    await Promise.all(started);
    return async () => {
      release();
      await Promise.all(held);
    };
  }

  const count = async () => Number((await ds.query(`SELECT count(*) AS n FROM dossiers`))[0].n);

  it('answers 503 with Retry-After when no connection frees up within DATABASE_POOL_TIMEOUT_MS, then serves again', async () => {
    const before = await count();
    const release = await holdPool(2);
    let list, intake, lookupPage, lookupJson;
    try {
      list = await api.request('GET', '/dossiers?limit=5', { token: p.tokens.clerk });
      // The citizens' lookup page, as a browser asks for it, and as a client that wants JSON.
      const lookup = (accept: string) =>
        api.app.inject({ method: 'GET', url: '/tra-cuu/H15.50-260310-0001', headers: { accept } });
      lookupPage = await lookup('text/html,application/xhtml+xml,*/*;q=0.8');
      lookupJson = await lookup('application/json');
      intake = await api.request('POST', '/dossiers', {
        token: p.tokens.clerk,
        body: intakeBody(),
        headers: { 'idempotency-key': 'pool-timeout-1' },
      });
    } finally {
      await release();
    }
    // A person gets a page saying to try again in a moment, with a link that does.
    expect(lookupPage!.statusCode).toBe(503);
    expect(lookupPage!.headers['retry-after']).toBe('2');
    expect(lookupPage!.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(lookupPage!.body).toContain('<h1>Hệ thống tạm thời chưa phục vụ được</h1>');
    expect(lookupPage!.body).toContain('<a href="/tra-cuu/H15.50-260310-0001">thử lại</a>');
    expect(lookupPage!.body).not.toContain('"statusCode"');
    expect(lookupJson!.statusCode).toBe(503);
    expect(JSON.parse(lookupJson!.body)).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
    for (const res of [list, intake]) {
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      expect(res.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(typeof res.body.requestId).toBe('string');
    }
    // Nothing was written; the same intake sent again (same key) is taken once.
    expect(await count()).toBe(before);
    const again = await api.request('POST', '/dossiers', {
      token: p.tokens.clerk,
      body: intakeBody(),
      headers: { 'idempotency-key': 'pool-timeout-1' },
    });
    expect(again.status).toBe(201);
    expect((await api.request('GET', '/dossiers?limit=5', { token: p.tokens.clerk })).status).toBe(200);
    expect(await count()).toBe(before + 1);
  });

  it('answers 503 when the connection is cut under the request (the server terminated it), then serves again', async () => {
    const locker = new Client({ connectionString: api.env.DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE dossiers IN ACCESS EXCLUSIVE MODE');
      const pending = api.request('GET', '/dossiers?limit=5', { token: p.tokens.clerk });
      // The request's backend, waiting for the lock: terminate it as a restart or failover would.
      const pid = await waitFor(
        async () => {
          const rows = await locker.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'sla-tracker' AND wait_event_type = 'Lock'`,
          );
          return rows.rows[0]?.pid ?? null;
        },
        15_000,
        'the request waiting on the lock',
      );
      await locker.query('SELECT pg_terminate_backend($1)', [pid]);
      const res = await pending;
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      expect(res.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    const after = await api.request('GET', '/dossiers?limit=5', { token: p.tokens.clerk });
    expect(after.status).toBe(200);
  });
});
