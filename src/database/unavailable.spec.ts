import { createServer } from 'node:net';
import { Client } from 'pg';
import { databaseUnavailable } from 'src/database/unavailable';

describe('databaseUnavailable', () => {
  it('recognizes a refused connection as node-postgres reports it', async () => {
    // A port nothing listens on: bind one, note it, close it.
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const err = await new Client({ host: '127.0.0.1', port, user: 'x', database: 'x' })
      .connect()
      .catch((e: unknown) => e);
    expect(databaseUnavailable(err)).toBe(true);
  });

  it('recognizes the pool timeout, a cut connection and the server codes, wrapped by TypeORM or not', () => {
    expect(databaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(databaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(databaseUnavailable({ driverError: Object.assign(new Error('terminating'), { code: '57P01' }) })).toBe(true);
    expect(databaseUnavailable(Object.assign(new Error('too many'), { code: '53300' }))).toBe(true);
    expect(databaseUnavailable(Object.assign(new Error('link'), { code: '08006' }))).toBe(true);
  });

  it('leaves every other error to the caller: a constraint, a syntax error, a plain bug', () => {
    expect(databaseUnavailable({ driverError: Object.assign(new Error('duplicate'), { code: '23505' }) })).toBe(false);
    expect(databaseUnavailable(Object.assign(new Error('syntax'), { code: '42601' }))).toBe(false);
    expect(databaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(databaseUnavailable(null)).toBe(false);
  });
});
