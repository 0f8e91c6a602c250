import * as net from 'node:net';
import { DataSource } from 'typeorm';
import { Api, startApi } from '../support/http';

describe('HTTP foundation', () => {
  let api: Api;
  let admin: string;

  // The process warnings (deprecations included) emitted while the application is built.
  const warnings: string[] = [];

  beforeAll(async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning');
    try {
      api = await startApi({ LOGIN_MAX_FAILURES: '3' });
    } finally {
      for (const [warning] of emitWarning.mock.calls) warnings.push(String(warning));
      emitWarning.mockRestore();
    }
    admin = await api.login();
  });
  afterAll(() => api.close());

  it('builds the application without deprecation warnings (e.g. Fastify FSTDEP022 for router options)', () => {
    expect(warnings).toEqual([]);
  });

  it('answers liveness without sign-in', async () => {
    const res = await api.request('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('reports ready when PostgreSQL and Redis answer', async () => {
    const res = await api.request('GET', '/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ postgres: 'up', redis: 'up' });
  });

  it('signs the first admin in with the configured password and returns no password', async () => {
    const res = await api.request('POST', '/auth/login', { body: { username: 'ADMIN', password: 'admin-password-1' } });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(res.body.expiresIn).toBeGreaterThan(0);
    expect(JSON.stringify(res.body)).not.toMatch(/password|argon2/i);
  });

  it('gives a validation error with one detail per bad field, in the API error shape', async () => {
    const res = await api.request('POST', '/users', {
      token: admin,
      body: { username: 'x', password: 1, fullName: '', role: 'king', extra: true },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.statusCode).toBe(400);
    expect(typeof res.body.message).toBe('string');
    const fields = new Set(res.body.details.map((d: { field: string }) => d.field));
    expect(fields).toEqual(new Set(['username', 'password', 'fullName', 'role', 'extra']));
  });

  it('refuses malformed JSON and other content types in the error shape', async () => {
    const bad = await api.request('POST', '/auth/login', {
      body: '{"username":',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_JSON');
    const text = await api.request('POST', '/auth/login', { body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an unknown route with 404 in the error shape', async () => {
    const res = await api.request('GET', '/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('answers malformed URLs and over-long path parameters in the error shape', async () => {
    const badEncoding = await api.request('GET', '/public/dossiers/%E0%A4%A');
    expect(badEncoding.status).toBe(400);
    expect(badEncoding.body).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
    const long = await api.request('GET', `/public/dossiers/${'X'.repeat(300)}`);
    expect(long.status).toBe(404);
    expect(long.body.code).toBe('NOT_FOUND');
  });

  it('echoes a given request id and makes one up otherwise', async () => {
    const given = await api.request('GET', '/health', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await api.request('GET', '/no-such-thing');
    expect(made.headers['x-request-id']).toBe(made.body.requestId);
    expect(made.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('needs a valid token: none, garbage or signed with another secret is 401', async () => {
    expect((await api.request('GET', '/users')).status).toBe(401);
    expect((await api.request('GET', '/users', { token: 'garbage' })).status).toBe(401);
    const forged =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAifQ.c2lnbmF0dXJl';
    const res = await api.request('GET', '/users', { token: forged });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED');
  });

  it('gives 403 to a signed-in user lacking the role', async () => {
    const unit = await api.request('POST', '/units', { token: admin, body: { code: 'H15.50', name: 'Sở Xây dựng' } });
    expect(unit.status).toBe(201);
    const created = await api.request('POST', '/users', {
      token: admin,
      body: {
        username: 'clerk1',
        password: 'clerk-password',
        fullName: 'Nguyễn Văn A',
        role: 'counter_staff',
        unitCode: 'H15.50',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.unitCode).toBe('H15.50');
    const clerk = await api.login('clerk1', 'clerk-password');
    const res = await api.request('POST', '/units', { token: clerk, body: { code: 'H15.51', name: 'Sở khác' } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    const me = await api.request('GET', '/auth/me', { token: clerk });
    expect(me.status).toBe(200);
    expect(me.body.role).toBe('counter_staff');
  });

  it('refuses the token of a user who has been deactivated', async () => {
    const created = await api.request('POST', '/users', {
      token: admin,
      body: { username: 'board1', password: 'board-password', fullName: 'Trần Thị B', role: 'reform_board' },
    });
    const token = await api.login('board1', 'board-password');
    expect((await api.request('GET', '/auth/me', { token })).status).toBe(200);
    const patched = await api.request('PATCH', `/users/${created.body.id}`, { token: admin, body: { active: false } });
    expect(patched.status).toBe(200);
    expect((await api.request('GET', '/auth/me', { token })).status).toBe(401);
    expect(
      (await api.request('POST', '/auth/login', { body: { username: 'board1', password: 'board-password' } })).status,
    ).toBe(401);
  });

  it('answers a wrong password with 401 and throttles repeated failures, even with the right password', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await api.request('POST', '/auth/login', { body: { username: 'clerk1', password: 'wrong' } });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_CREDENTIALS');
    }
    const locked = await api.request('POST', '/auth/login', {
      body: { username: 'clerk1', password: 'clerk-password' },
    });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('TOO_MANY_REQUESTS');
    // Another user from the same address is not locked out by clerk1's failures.
    expect(
      (await api.request('POST', '/auth/login', { body: { username: 'admin', password: 'admin-password-1' } })).status,
    ).toBe(200);
  });

  it('records sign-ins and administrative changes in the audit trail without secrets', async () => {
    const rows: { action: string; details: unknown }[] = await api.app
      .get(DataSource)
      .query(`SELECT action, details FROM audit_log`);
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.login', 'auth.login_failed', 'user.create', 'user.update']));
    expect(JSON.stringify(rows)).not.toMatch(/password-|clerk-password/);
  });

  it('serves the OpenAPI document and the Swagger UI', async () => {
    const doc = await api.request('GET', '/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/health/ready', '/api/v1/users']),
    );
    // The same document under the API's prefix.
    const prefixed = await api.request('GET', '/api/v1/docs-json');
    expect(prefixed.status).toBe(200);
    expect(prefixed.body).toEqual(doc.body);
    const ui = await api.request('GET', '/docs');
    expect(ui.status).toBe(200);
    expect(String(ui.body)).toMatch(/swagger/i);
  });

  it('exposes Prometheus metrics with HTTP and queue figures', async () => {
    const res = await api.request('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/health",status="200"\} \d+/);
    expect(res.body).toMatch(/queue_jobs\{queue="system",state="waiting"\} \d+/);
  });

  it('sends security headers and keeps CORS closed by default', async () => {
    const res = await api.request('GET', '/health', { headers: { origin: 'https://evil.example' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

/** Writes raw bytes to the listening server and reads the whole answer back (the server closes). */
function rawExchange(port: number, bytes: string): Promise<{ status: number; headers: string; body: any }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const head = text.slice(0, split);
      resolve({ status: Number(head.split(' ')[1]), headers: head, body: JSON.parse(text.slice(split + 4)) });
    });
    socket.write(bytes);
  });
}

describe('errors raised before the framework sees the request', () => {
  let api: Api;
  let port: number;

  beforeAll(async () => {
    api = await startApi();
    await api.app.listen(0, '127.0.0.1');
    port = (api.app.getHttpServer().address() as net.AddressInfo).port;
  });
  afterAll(() => api.close());

  it('answers headers too large for the parser with 431 in the error shape', async () => {
    const res = await rawExchange(
      port,
      `GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(40_000)}\r\n\r\n`,
    );
    expect(res.status).toBe(431);
    expect(res.headers).toMatch(/content-type: application\/json/i);
    expect(res.body).toEqual({ statusCode: 431, code: 'HEADERS_TOO_LARGE', message: expect.any(String) });
  });

  it('answers a request line too long for the parser with 431 in the error shape', async () => {
    const res = await rawExchange(
      port,
      `GET /api/v1/health?q=${'b'.repeat(40_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
    );
    expect(res.status).toBe(431);
    expect(res.body).toMatchObject({ statusCode: 431, code: 'HEADERS_TOO_LARGE' });
  });

  it('answers a malformed request line with 400 in the error shape', async () => {
    const res = await rawExchange(port, 'THIS IS NOT HTTP\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: expect.any(String) });
  });

  it('answers a bad percent-encoding and an over-long path parameter in the error shape', async () => {
    const bad = await rawExchange(
      port,
      'GET /api/v1/public/dossiers/%E0%A4%A HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST' });
    const long = await rawExchange(
      port,
      `GET /api/v1/public/dossiers/${'X'.repeat(600)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
    );
    expect(long.status).toBe(414);
    expect(long.body).toMatchObject({ statusCode: 414, code: 'URI_TOO_LONG', message: expect.any(String) });
  });

  it('answers an HTTP/1.1 request without Host and an unsupported Expect in the error shape', async () => {
    const noHost = await rawExchange(port, 'GET /api/v1/health HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(noHost.status).toBe(400);
    expect(noHost.body).toMatchObject({ statusCode: 400, code: 'BAD_REQUEST', message: expect.any(String) });
    const expectation = await rawExchange(
      port,
      'GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nExpect: tea\r\nConnection: close\r\n\r\n',
    );
    expect(expectation.status).toBe(417);
    expect(expectation.body).toMatchObject({ statusCode: 417, code: 'EXPECTATION_FAILED' });
  });

  it('still answers a well-formed request over the socket', async () => {
    const ok = await rawExchange(port, 'GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'ok' });
  });
});
