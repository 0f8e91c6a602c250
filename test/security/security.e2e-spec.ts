import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { clockOf, freshAddress } from '../public/support';
import { Api, startApi } from '../support/http';
import { logLines, Proc, startProcess, waitFor } from '../support/processes';
import { buildProvince, BUILDING_PERMIT, intakeBody, Province, UNITS } from '../support/province';
import { freePort } from '../support/servers';
import { ADMIN, createTestDatabase, TEST_JWT_SECRET, testEnv } from '../support/test-env';

/** Security basics: tokens, secrets in answers, headers, CORS, the audit trail, personal data in logs. */

const CURRENT = 'current-secret-'.padEnd(48, 'c');
const OLD = 'previous-secret-'.padEnd(48, 'p');
const UNKNOWN = 'unknown-secret-'.padEnd(48, 'u');

/** A JWT built by hand (not by the library under test): header and claims as given, HMAC with `secret`. */
function signJwt(claims: Record<string, unknown>, secret: string, alg: 'HS256' | 'HS384' | 'HS512' | 'none' = 'HS256') {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${part({ alg, typ: 'JWT' })}.${part(claims)}`;
  if (alg === 'none') return `${head}.`;
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
  return `${head}.${createHmac(hash, secret).update(head).digest('base64url')}`;
}
const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
const nowSeconds = () => Math.floor(Date.now() / 1000);

function expectErrorShape(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
}

describe('tokens: expiry, rotation, deactivation, password and role changes', () => {
  let api: Api;
  let adminToken: string;

  beforeAll(async () => {
    api = await startApi({ JWT_SECRET: CURRENT, JWT_PREVIOUS_SECRETS: OLD, JWT_EXPIRES_IN_SECONDS: '120' });
    adminToken = await api.login();
  });
  afterAll(() => api.close());

  const me = (token: string) => api.request('GET', '/auth/me', { token });

  it('issues HS256 tokens signed with the current secret that expire after JWT_EXPIRES_IN_SECONDS', async () => {
    const res = await api.request('POST', '/auth/login', { body: ADMIN });
    expect(res.body.expiresIn).toBe(120);
    const claims = claimsOf(res.body.accessToken);
    expect((claims.exp as number) - (claims.iat as number)).toBe(120);
    // The same claims signed by hand with the current secret give the same token: it is HS256 with it.
    const [header] = res.body.accessToken.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
    expect(signJwt(claims, CURRENT).split('.')[2]).toBe(res.body.accessToken.split('.')[2]);
  });

  it('refuses an expired token with 401, and accepts the same claims while they are valid', async () => {
    const claims = claimsOf(adminToken);
    const valid = signJwt({ ...claims, iat: nowSeconds() - 60, exp: nowSeconds() + 60 }, CURRENT);
    expect((await me(valid)).status).toBe(200);
    const expired = signJwt({ ...claims, iat: nowSeconds() - 180, exp: nowSeconds() - 5 }, CURRENT);
    expectErrorShape(await me(expired), 401, 'UNAUTHORIZED');
  });

  it('accepts tokens signed with a secret of JWT_PREVIOUS_SECRETS and refuses unknown secrets', async () => {
    const claims = { ...claimsOf(adminToken), iat: nowSeconds(), exp: nowSeconds() + 60 };
    expect((await me(signJwt(claims, OLD))).status).toBe(200);
    expectErrorShape(await me(signJwt(claims, UNKNOWN)), 401, 'UNAUTHORIZED');
    // The test suites' usual secret is not configured here either.
    expectErrorShape(await me(signJwt(claims, TEST_JWT_SECRET)), 401, 'UNAUTHORIZED');
    // An old secret does not extend a token's life.
    expectErrorShape(await me(signJwt({ ...claims, exp: nowSeconds() - 5 }, OLD)), 401, 'UNAUTHORIZED');
  });

  it('refuses tokens without an expiry, with another algorithm, unsigned or altered', async () => {
    const claims = { ...claimsOf(adminToken), iat: nowSeconds(), exp: nowSeconds() + 60 };
    const { exp: _exp, ...noExpiry } = claims;
    expectErrorShape(await me(signJwt(noExpiry, CURRENT)), 401, 'UNAUTHORIZED');
    expectErrorShape(await me(signJwt(claims, CURRENT, 'HS512')), 401, 'UNAUTHORIZED');
    expectErrorShape(await me(signJwt(claims, CURRENT, 'none')), 401, 'UNAUTHORIZED');
    const [head, , sig] = signJwt(claims, CURRENT).split('.');
    const altered = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url');
    expect((await me(`${head}.${altered}.${sig}`)).status).toBe(200); // same claims re-encoded: control
    const forged = Buffer.from(JSON.stringify({ ...claims, exp: nowSeconds() + 999_999 })).toString('base64url');
    expectErrorShape(await me(`${head}.${forged}.${sig}`), 401, 'UNAUTHORIZED');
  });

  it('refuses the tokens of a deactivated user at once, and the user can no longer sign in', async () => {
    const user = await api.request('POST', '/users', {
      token: adminToken,
      body: { username: 'leaver', password: 'leaver-password', fullName: 'Người nghỉ việc', role: 'reform_board' },
    });
    const token = await api.login('leaver', 'leaver-password');
    expect((await me(token)).status).toBe(200);
    expect(
      (await api.request('PATCH', `/users/${user.body.id}`, { token: adminToken, body: { active: false } })).status,
    ).toBe(200);
    expectErrorShape(await me(token), 401, 'UNAUTHORIZED');
    expectErrorShape(await api.request('GET', '/reports/processing?period=2026-03', { token }), 401, 'UNAUTHORIZED');
    const again = await api.request('POST', '/auth/login', {
      body: { username: 'leaver', password: 'leaver-password' },
    });
    expectErrorShape(again, 401, 'INVALID_CREDENTIALS');
  });

  it('ends the tokens issued before a password change', async () => {
    const user = await api.request('POST', '/users', {
      token: adminToken,
      body: { username: 'rotator', password: 'first-password', fullName: 'Người đổi mật khẩu', role: 'reform_board' },
    });
    const before = await api.login('rotator', 'first-password');
    expect((await me(before)).status).toBe(200);
    const patched = await api.request('PATCH', `/users/${user.body.id}`, {
      token: adminToken,
      body: { password: 'second-password' },
    });
    expect(patched.status).toBe(200);
    expectErrorShape(await me(before), 401, 'UNAUTHORIZED');
    const after = await api.login('rotator', 'second-password');
    expect((await me(after)).status).toBe(200);
  });

  it('takes the role from the database, not from the token: a demoted admin loses admin rights at once', async () => {
    const user = await api.request('POST', '/users', {
      token: adminToken,
      body: { username: 'admin2', password: 'admin2-password', fullName: 'Quản trị thứ hai', role: 'admin' },
    });
    const token = await api.login('admin2', 'admin2-password');
    const write = () => api.request('PATCH', `/users/${user.body.id}`, { token, body: { fullName: 'Quản trị 2' } });
    expect((await write()).status).toBe(200);
    await api.request('PATCH', `/users/${user.body.id}`, { token: adminToken, body: { role: 'reform_board' } });
    expect(claimsOf(token).role).toBe('admin');
    expectErrorShape(await write(), 403, 'FORBIDDEN');
  });
});

describe('secrets in answers, security headers and CORS', () => {
  let api: Api;
  let p: Province;
  const PASSWORD = 'Plain-Text-Password-42';

  beforeAll(async () => {
    api = await startApi({ CORS_ORIGINS: '' });
    clockOf(api)('2026-03-10T09:00:00');
    p = await buildProvince(api);
  });
  afterAll(() => api.close());

  it("refuses a NUL in the console's and the citizens' forms and URLs with 400, before any service or statement sees it", async () => {
    // The API's JSON parser refuses NUL; the HTML forms are urlencoded and reach the same services.
    const form = (url: string, payload: string, cookie?: string) =>
      api.app.inject({
        method: 'POST',
        url,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(cookie ? { cookie: `sla_console=${cookie}` } : {}),
        },
        payload,
        remoteAddress: freshAddress(),
      });
    const refused = (res: { statusCode: number; body: string }) => {
      expectErrorShape({ status: res.statusCode, body: JSON.parse(res.body) }, 400, 'VALIDATION_FAILED');
      expect(JSON.parse(res.body).details[0].message).toMatch(/NUL/);
    };
    const db = api.app.get(DataSource);
    const counts = async () =>
      (
        await db.query(
          `SELECT (SELECT count(*) FROM dossiers)::int AS d, (SELECT count(*) FROM audit_log)::int AS a,
                  (SELECT count(*) FROM dossier_feedback)::int AS f`,
        )
      )[0];
    const before = await counts();

    refused(await form('/console/login', 'username=ad%00min&password=admin-password-1'));
    const intake = `procedureCode=${p.procedureCode}&channel=direct&kind=citizen&fullName=Nguy%E1%BB%85n%00A&step=save`;
    refused(await form('/console/intake', intake, p.tokens.clerk));
    refused(await form('/console/intake', `${intake.replace('%00', '')}&sum%00mary=x`, p.tokens.clerk));
    refused(await form('/tra-cuu/ABC/phan-anh', 'kind=conduct&content=a%00b&phone=0912345678'));
    const lookup = await api.app.inject({ method: 'GET', url: '/tra-cuu/AB%00C', remoteAddress: freshAddress() });
    refused(lookup);
    expect(await counts()).toEqual(before);

    // The same intake without the NUL is taken (the refusal was the NUL's, not the form's), once
    // previewed: the console saves only the procedure and appointment day it showed.
    const clean = intake.replace('%00', '');
    const previewed = await form('/console/intake', clean.replace('step=save', 'step=preview'), p.tokens.clerk);
    expect(previewed.statusCode).toBe(200);
    const hidden = (name: string) => new RegExp(`name="${name}"\\s+value="([^"]*)"`).exec(previewed.body)![1];
    const taken = await form(
      '/console/intake',
      `${clean}&previewProcedure=${hidden('previewProcedure')}&previewDue=${hidden('previewDue')}`,
      p.tokens.clerk,
    );
    expect(taken.statusCode).toBe(303);
    expect((await counts()).d).toBe(before.d + 1);
  });

  it('never returns a password, a password hash or a webhook secret from any user, auth or webhook endpoint', async () => {
    const answers: unknown[] = [];
    const created = await api.request('POST', '/users', {
      token: p.admin,
      body: {
        username: 'opaque-user',
        password: PASSWORD,
        fullName: 'Người dùng',
        role: 'reform_board',
        email: 'a@b.vn',
      },
    });
    expect(created.status).toBe(201);
    answers.push(created.body);
    const login = await api.request('POST', '/auth/login', { body: { username: 'opaque-user', password: PASSWORD } });
    answers.push(login.body);
    answers.push((await api.request('GET', '/auth/me', { token: login.body.accessToken })).body);
    answers.push((await api.request('GET', '/users?limit=500', { token: p.admin })).body);
    answers.push((await api.request('GET', `/users/${created.body.id}`, { token: p.admin })).body);
    answers.push(
      (
        await api.request('PATCH', `/users/${created.body.id}`, {
          token: p.admin,
          body: { password: `${PASSWORD}-2`, fullName: 'Người dùng mới' },
        })
      ).body,
    );
    const hookSecret = 'webhook-signing-secret-123456';
    answers.push(
      (
        await api.request('POST', '/webhooks', {
          token: p.admin,
          body: { url: 'http://127.0.0.1:9/x', secret: hookSecret, kinds: ['overdue'] },
        })
      ).body,
    );
    answers.push((await api.request('GET', '/webhooks', { token: p.admin })).body);
    const text = JSON.stringify(answers);
    expect(text).toContain('opaque-user'); // the answers are the real ones
    expect(text).not.toMatch(/password|hash|argon2|secret/i);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(hookSecret);
    const hashes: { password_hash: string }[] = await api.app.get(DataSource).query(`SELECT password_hash FROM users`);
    for (const h of hashes) expect(text).not.toContain(h.password_hash);
  });

  it('describes no password, hash or secret in any response schema of the OpenAPI document', async () => {
    const doc = (await api.request('GET', '/docs-json')).body;
    const seen = new Set<string>();
    const offending: string[] = [];
    // A closed period's `hash` is the SHA-256 of its published snapshot (the contract's name): a
    // fingerprint anyone may check the figures against, not a secret.
    const contentHashes = new Set(['ProcessingReportDto.hash', 'IndexReportDto.hash', 'ClosedPeriodDto.hash']);
    const walk = (schema: any, where: string) => {
      if (!schema || typeof schema !== 'object') return;
      if (schema.$ref) {
        const name = String(schema.$ref).split('/').pop()!;
        if (seen.has(name)) return;
        seen.add(name);
        return walk(doc.components.schemas[name], name);
      }
      for (const [k, v] of Object.entries<any>(schema.properties ?? {})) {
        if (/password|hash|secret/i.test(k) && !contentHashes.has(`${where}.${k}`)) offending.push(`${where}.${k}`);
        walk(v, `${where}.${k}`);
      }
      for (const key of ['items', 'additionalProperties']) walk(schema[key], where);
      for (const key of ['oneOf', 'anyOf', 'allOf']) for (const s of schema[key] ?? []) walk(s, where);
    };
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        for (const r of Object.values<any>(op.responses ?? {})) {
          for (const c of Object.values<any>(r.content ?? {})) walk(c.schema, `${method} ${path}`);
        }
      }
    }
    expect(seen.has('UserDto')).toBe(true);
    expect(offending).toEqual([]);
  });

  it('sends the security headers on API answers: success, refusal, public, PDF', async () => {
    const d = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    const answers = {
      signedIn: await api.request('GET', '/auth/me', { token: p.admin }),
      refused: await api.request('GET', '/users'),
      notFound: await api.request('GET', '/no-such-route', { token: p.admin }),
      public: await api.request('GET', `/public/dossiers/${d.body.code}`, { remoteAddress: freshAddress() }),
      pdf: await api.request('GET', `/dossiers/${d.body.id}/receipt`, { token: p.tokens.clerk }),
    };
    expect([answers.signedIn.status, answers.refused.status, answers.notFound.status]).toEqual([200, 401, 404]);
    expect([answers.public.status, answers.pdf.status]).toEqual([200, 200]);
    for (const [name, res] of Object.entries(answers)) {
      expect([name, res.headers['x-content-type-options']]).toEqual([name, 'nosniff']);
      expect([name, res.headers['x-frame-options']]).toEqual([name, 'DENY']);
      expect([name, res.headers['referrer-policy']]).toEqual([name, 'no-referrer']);
      expect([name, res.headers['strict-transport-security']]).toEqual([name, 'max-age=31536000']);
      expect([name, String(res.headers['cache-control'])]).toEqual([name, expect.stringContaining('no-store')]);
    }
    for (const name of ['signedIn', 'refused', 'notFound', 'public'] as const) {
      expect([name, answers[name].headers['content-security-policy']]).toEqual([
        name,
        "default-src 'none'; frame-ancestors 'none'",
      ]);
    }
    expect(answers.pdf.headers['content-type']).toBe('application/pdf');
  });

  it('keeps CORS closed by default: no Access-Control-Allow-Origin for any origin, preflight included', async () => {
    const origin = 'https://evil.example';
    const get = await api.request('GET', '/auth/me', { token: p.admin, headers: { origin } });
    expect(get.status).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await api.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/dossiers',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('CORS with CORS_ORIGINS set', () => {
  let api: Api;
  const allowed = 'https://console.example.gov.vn';

  beforeAll(async () => {
    api = await startApi({ CORS_ORIGINS: `${allowed},https://other.example.gov.vn` });
  });
  afterAll(() => api.close());

  it('answers the listed origins only, without credentials', async () => {
    const ok = await api.request('GET', '/health', { headers: { origin: allowed } });
    expect(ok.headers['access-control-allow-origin']).toBe(allowed);
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
    const preflight = await api.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/dossiers',
      headers: { origin: allowed, 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe(allowed);
    for (const origin of ['https://evil.example', 'https://console.example.gov.vn.evil.example', 'null']) {
      const res = await api.request('GET', '/health', { headers: { origin } });
      expect([origin, res.headers['access-control-allow-origin']]).toEqual([origin, undefined]);
    }
  });
});

describe('clients behind a reverse proxy (TRUST_PROXY)', () => {
  // 10.9.0.1 is the proxy; 203.0.113.x are citizens and staff on the Internet.
  const PROXY = '10.9.0.1';
  let api: Api;
  let plain: Api;

  beforeAll(async () => {
    api = await startApi({ TRUST_PROXY: `${PROXY}, 127.0.0.1` });
    plain = await startApi({});
  });
  afterAll(async () => {
    await api.close();
    await plain.close();
  });

  const failedLogin = (a: Api, remoteAddress: string, forwardedFor: string) =>
    a.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      payload: JSON.stringify({ username: 'admin', password: 'not-the-password' }),
      remoteAddress,
    });
  const lastLoginIp = async (a: Api) =>
    (
      await a.app
        .get(DataSource)
        .query(`SELECT client_ip FROM audit_log WHERE action = 'auth.login_failed' ORDER BY id DESC LIMIT 1`)
    )[0].client_ip;

  it("records the client's address named by a trusted proxy, and the socket's address otherwise", async () => {
    expect((await failedLogin(api, PROXY, '203.0.113.9')).statusCode).toBe(401);
    expect(await lastLoginIp(api)).toBe('203.0.113.9');
    // The client wrote its own X-Forwarded-For before the proxy appended its view: the proxy's counts.
    await failedLogin(api, PROXY, '198.18.0.1, 203.0.113.10');
    expect(await lastLoginIp(api)).toBe('203.0.113.10');
    // Not from the proxy: the header is anyone's to write and is ignored.
    await failedLogin(api, '198.51.100.2', '203.0.113.9');
    expect(await lastLoginIp(api)).toBe('198.51.100.2');
    // Without TRUST_PROXY no one is trusted.
    await failedLogin(plain, PROXY, '203.0.113.9');
    expect(await lastLoginIp(plain)).toBe(PROXY);
  });

  it('limits public lookups per citizen behind the proxy, not for all of them together', async () => {
    const lookup = (a: Api, citizen: string) =>
      a.app.inject({
        method: 'GET',
        url: '/api/v1/public/dossiers/NO-SUCH-CODE',
        headers: { 'x-forwarded-for': citizen },
        remoteAddress: PROXY,
      });
    const statuses = async (a: Api, citizenOf: (i: number) => string) => {
      const out: number[] = [];
      for (let i = 0; i < 40; i++) out.push((await lookup(a, citizenOf(i))).statusCode);
      return out;
    };
    // 40 citizens, one lookup each: none is limited.
    expect(new Set(await statuses(api, (i) => `203.0.113.${100 + i}`))).toEqual(new Set([404]));
    // One citizen, 40 lookups: the burst of 30, then 429.
    const one = await statuses(api, () => '203.0.113.50');
    expect(one.filter((s) => s === 404)).toHaveLength(30);
    expect(one.slice(30)).toEqual(Array(10).fill(429));
    // Without TRUST_PROXY, 40 citizens through the proxy share its one allowance.
    expect((await statuses(plain, (i) => `203.0.113.${100 + i}`)).filter((s) => s === 429)).toHaveLength(10);
  });

  it('marks the console cookie Secure when the proxy says the client came over HTTPS', async () => {
    const signIn = (a: Api) =>
      a.app.inject({
        method: 'POST',
        url: '/console/login',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-forwarded-for': '203.0.113.77',
          'x-forwarded-proto': 'https',
        },
        payload: `username=admin&password=${encodeURIComponent(ADMIN.password)}`,
        remoteAddress: PROXY,
      });
    const secure = await signIn(api);
    expect(secure.statusCode).toBe(303);
    expect(String(secure.headers['set-cookie'])).toMatch(/; Secure/);
    const direct = await signIn(plain);
    expect(direct.statusCode).toBe(303);
    expect(String(direct.headers['set-cookie'])).not.toMatch(/Secure/);
  });
});

describe('audit trail of sign-ins and administrative changes', () => {
  let api: Api;
  let p: Province;
  let rows: { action: string; actor_user_id: string | null; entity: string | null; entity_id: string | null }[];
  let all: string;
  const WEBHOOK_SECRET = 'audit-webhook-secret-0987654321';

  beforeAll(async () => {
    api = await startApi({ LOGIN_MAX_FAILURES: '2' });
    clockOf(api)('2026-03-10T09:00:00');
    p = await buildProvince(api);
    const admin = (method: string, url: string, body?: unknown) =>
      api.request(method, url, { token: p.admin, body, remoteAddress: freshAddress() });
    const expectOk = async (res: Promise<{ status: number; body: any }>) => {
      const r = await res;
      if (r.status >= 300) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    // Sign-ins: a failure with a wrong password, then the lock after LOGIN_MAX_FAILURES.
    const address = '10.250.0.1';
    for (let i = 0; i < 3; i++) {
      await api.request('POST', '/auth/login', {
        body: { username: 'clerk', password: 'Wrong-Password-Typed' },
        remoteAddress: address,
      });
    }
    await api.request('POST', '/auth/login', {
      body: { username: 'no-such-user', password: 'Wrong-Password-Typed' },
      remoteAddress: freshAddress(),
    });
    const unit = await expectOk(admin('POST', '/units', { code: 'H15.90', name: 'Sở thử', parentCode: 'H15' }));
    await expectOk(admin('PATCH', `/units/${unit.id}`, { name: 'Sở thử nghiệm' }));
    await expectOk(admin('DELETE', `/units/${unit.id}`));
    const procedure = await expectOk(admin('POST', '/procedures', { ...BUILDING_PERMIT, code: '9.000001' }));
    await expectOk(admin('PATCH', `/procedures/${procedure.id}`, { name: 'Thủ tục đổi tên' }));
    await expectOk(admin('PUT', '/calendar/days/2027-06-01', { kind: 'holiday', name: 'Nghỉ thử' }));
    await expectOk(admin('DELETE', '/calendar/days/2027-06-01'));
    const hours = await expectOk(admin('GET', '/calendar/working-hours'));
    // A real change (an unchanged week is not an edit), then back.
    const shorter = { weekdays: hours.weekdays, periods: [hours.periods[0]] };
    await expectOk(admin('PUT', '/calendar/working-hours', shorter));
    await expectOk(admin('PUT', '/calendar/working-hours', { weekdays: hours.weekdays, periods: hours.periods }));
    const hook = await expectOk(
      admin('POST', '/webhooks', { url: 'http://127.0.0.1:9/a', secret: WEBHOOK_SECRET, kinds: ['overdue'] }),
    );
    await expectOk(admin('DELETE', `/webhooks/${hook.id}`));
    await expectOk(
      admin('POST', '/imports/dossiers', {
        dossiers: [
          { ...intakeBody(), code: 'H15.50-260302-0001', receivedAt: '2026-03-02T08:00:00+07:00', events: [] },
        ],
      }),
    );
    await expectOk(
      api.request('PUT', '/reports/index/inputs', {
        token: p.tokens.board,
        body: { period: '2026-03', unitCode: 'H15.50', indicatorKey: 'published_on_time', ratio: 0.5 },
      }),
    );
    rows = await api.app.get(DataSource).query(`SELECT * FROM audit_log ORDER BY id`);
    all = JSON.stringify(rows);
  });
  afterAll(() => api.close());

  const adminId = () => rows.find((r) => r.action === 'auth.login' && r.actor_user_id)!.actor_user_id;

  it('records each sign-in, failed sign-in and locked attempt with the request id and client address', () => {
    const logins = rows.filter((r) => r.action.startsWith('auth.')) as unknown as {
      action: string;
      actor_user_id: string | null;
      request_id: string | null;
      client_ip: string | null;
    }[];
    // buildProvince signs in the admin and 8 users; then 2 failures, a locked attempt, an unknown user.
    expect(logins.filter((r) => r.action === 'auth.login')).toHaveLength(9);
    const failed = logins.filter((r) => r.action === 'auth.login_failed');
    expect(failed).toHaveLength(3);
    expect(failed.filter((r) => r.actor_user_id === p.userIds.clerk)).toHaveLength(2);
    expect(failed.filter((r) => r.actor_user_id === null)).toHaveLength(1);
    const locked = logins.filter((r) => r.action === 'auth.login_locked');
    expect(locked).toHaveLength(1);
    expect(locked[0].client_ip).toBe('10.250.0.1');
    for (const r of logins) {
      expect(r.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.client_ip).toEqual(expect.any(String));
    }
  });

  it('records every administrative change with its actor and object', () => {
    const expected = [
      ['user.create', 'user'],
      ['unit.create', 'unit'],
      ['unit.update', 'unit'],
      ['unit.delete', 'unit'],
      ['procedure.create', 'procedure'],
      ['procedure.update', 'procedure'],
      ['calendar.day_set', null],
      ['calendar.day_deleted', null],
      ['calendar.working_hours_set', null],
      ['webhook.create', 'webhook'],
      ['webhook.deactivate', 'webhook'],
      ['dossiers.import', null],
    ] as const;
    for (const [action, entity] of expected) {
      const found = rows.filter((r) => r.action === action);
      expect([action, found.length > 0]).toEqual([action, true]);
      // The first start creates the admin itself: that one row has no actor.
      const bootstrap = (r: (typeof rows)[number]) => action === 'user.create' && r.entity_id === adminId();
      for (const r of found) {
        expect([action, r.actor_user_id]).toEqual([action, bootstrap(r) ? null : adminId()]);
        if (entity) expect([action, r.entity, typeof r.entity_id]).toEqual([action, entity, 'string']);
      }
    }
    const input = rows.find((r) => r.action === 'index_input.set');
    expect(input?.actor_user_id).toBe(p.userIds.board);
  });

  it('keeps passwords, secrets and applicants out of the trail', () => {
    expect(all).not.toMatch(/Wrong-Password-Typed|-password|argon2/);
    expect(all).not.toContain(WEBHOOK_SECRET);
    expect(all).not.toContain('no-such-user');
    expect(all).not.toContain(intakeBody().applicant.fullName);
    expect(all).not.toContain(intakeBody().applicant.idNumber);
  });
});

describe('no personal data or secrets in the logs (API process at LOG_LEVEL=debug)', () => {
  let proc: Proc;
  let dropDb: () => Promise<void>;
  let base = '';
  const sent = { requests: 0 };
  const PEOPLE = [
    {
      fullName: 'Hoàng Thị Quỳnh Hương',
      idNumber: '079186004321',
      phone: '0987654321',
      email: 'quynh.huong@thu.example.vn',
    },
    {
      fullName: 'Zebulon Quartzfield',
      idNumber: '001299887766',
      phone: '+84 912 000 777',
      email: 'zebulon.q@mail.example.com',
    },
    { fullName: 'Lương Văn Độc Nhất', idNumber: 'B1234567', phone: '02343822222', email: 'docnhat@example.org' },
  ];
  const STAFF_PASSWORD = 'Staff-Secret-Passphrase-77';
  const WRONG_PASSWORD = 'Typo-Password-Guess-88';
  const secrets: string[] = [];

  async function call(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    sent.requests++;
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any = text;
    try {
      json = JSON.parse(text);
    } catch {
      // PDF or text
    }
    return { status: res.status, body: json };
  }

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDb = db.drop;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = startProcess('src/main.js', testEnv(db.url, { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'debug' }));
    await waitFor(
      async () => (await fetch(`${base}/api/v1/health`).catch(() => null))?.ok,
      90_000,
      'the API to listen',
    );
    sent.requests++;

    const admin = (await call('POST', '/auth/login', undefined, ADMIN)).body.accessToken as string;
    secrets.push(admin, ADMIN.password, TEST_JWT_SECRET);
    for (const unit of UNITS) expect((await call('POST', '/units', admin, unit)).status).toBe(201);
    const staff = await call('POST', '/users', admin, {
      username: 'quynhclerk',
      password: STAFF_PASSWORD,
      fullName: 'Trịnh Thị Nhân Viên',
      email: 'nhanvien.rieng@example.vn',
      role: 'unit_head',
      unitCode: 'H15.50',
    });
    expect(staff.status).toBe(201);
    secrets.push(STAFF_PASSWORD, 'Trịnh Thị Nhân Viên', 'nhanvien.rieng@example.vn');
    const clerk = (await call('POST', '/auth/login', undefined, { username: 'quynhclerk', password: STAFF_PASSWORD }))
      .body.accessToken as string;
    secrets.push(clerk);
    await call('POST', '/auth/login', undefined, { username: 'Zebulon Quartzfield', password: WRONG_PASSWORD });
    secrets.push(WRONG_PASSWORD);
    expect((await call('POST', '/procedures', admin, BUILDING_PERMIT)).status).toBe(201);

    for (const person of PEOPLE) {
      secrets.push(person.fullName, person.idNumber, person.phone, person.email);
      const applicant = { kind: 'citizen', ...person, address: `Số 9 phố riêng của ${person.fullName}` };
      const d = await call('POST', '/dossiers', clerk, { ...intakeBody({ applicant }) });
      expect(d.status).toBe(201);
      secrets.push(d.body.lookupKey);
      let v = d.body.version as number;
      const act = async (action: string, payload: Record<string, unknown>) => {
        const r = await call('POST', `/dossiers/${d.body.id}/actions/${action}`, clerk, {
          expectedVersion: v,
          ...payload,
        });
        expect([action, r.status]).toEqual([action, 200]);
        v = r.body.version;
      };
      await act('request_supplement', { reason: `Gọi ${person.phone} để bổ sung`, items: [person.idNumber] });
      await act('receive_supplement', { note: `Đã nhận từ ${person.fullName}` });
      await act('resolve', { resultSummary: `Cấp cho ${person.fullName}`, electronicResult: true });
      await call('GET', `/dossiers/${d.body.id}/receipt`, clerk);
      await call('GET', `/dossiers?code=${encodeURIComponent(person.fullName)}`, clerk);
      await call('GET', `/public/dossiers/${d.body.code}`);
      await call('POST', `/public/dossiers/${d.body.code}/rating`, undefined, {
        lookupKey: d.body.lookupKey,
        criteria: [2, 2, 2, 2, 2, 2, 2, 2, 2],
        verdict: 'satisfied',
        comment: `Tôi là ${person.fullName}, số ${person.phone}`,
      });
      await call('POST', `/public/dossiers/${d.body.code}/feedback`, undefined, {
        lookupKey: d.body.lookupKey,
        kind: 'other',
        content: `Liên hệ ${person.email}`,
      });
      // Errors carrying the same data: invalid fields, a wrong lookup key, a wrong version, bad JSON.
      await call('POST', '/dossiers', clerk, {
        ...intakeBody({ applicant: { ...applicant, email: `${person.fullName} <${person.email}>` } }),
      });
      await call('POST', `/public/dossiers/${d.body.code}/rating`, undefined, {
        lookupKey: person.idNumber,
        criteria: [2, 2, 2, 2, 2, 2, 2, 2, 2],
        verdict: 'satisfied',
      });
      await call('POST', `/dossiers/${d.body.id}/actions/return`, clerk, { expectedVersion: 1, note: person.fullName });
      await call('POST', '/dossiers', clerk, `{"applicant":{"fullName":"${person.fullName}"`);
      await call('POST', '/dossiers', clerk, `fullName=${person.fullName}`, { 'content-type': 'text/plain' });
      await call('GET', `/public/dossiers/${encodeURIComponent(person.idNumber)}`);
    }
    await call('GET', '/metrics');
    proc.child.kill('SIGTERM');
    await proc.exited;
  }, 240_000);
  afterAll(async () => {
    if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
    await dropDb?.();
  });

  it('logs every request (the check is not vacuous)', () => {
    const requests = logLines(proc).filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(sent.requests);
    expect(requests.some((l) => l.route === '/api/v1/dossiers' && l.status === 201)).toBe(true);
    expect(requests.some((l) => l.status === 400)).toBe(true);
  });

  it('never writes a name, id number, phone, e-mail, lookup key, password, token or secret', () => {
    const raw = proc.output();
    // JSON escaping aside: compare with the parsed lines written back without escapes.
    const parsed = logLines(proc)
      .map((l) => JSON.stringify(l))
      .join('\n');
    // Also as they would appear in a logged URL (percent- or form-encoded).
    const forms = (s: string) => [s, encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2)];
    const found = secrets.filter((s) => forms(s).some((f) => raw.includes(f) || parsed.includes(f)));
    expect(found).toEqual([]);
    const digitsOnly = PEOPLE.map((p) => p.phone.replace(/\D/g, ''));
    expect(digitsOnly.filter((d) => raw.replace(/\D/g, ' ').includes(d))).toEqual([]);
  });
});
