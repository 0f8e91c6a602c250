import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { ConsoleController, PublicPageController } from '../../src/console/console.controller';
import { clockOf, freshAddress } from '../public/support';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';
import { tableChecksumSql } from '../support/table-checksums';

/**
 * Hostile input to the HTML pages (the staff console and the citizens' lookup), which the OpenAPI
 * fuzz (fuzz.e2e-spec.ts) does not reach: every route of their two controllers, read from the
 * controllers' own routing metadata, with hostile path parameters, query strings and form fields,
 * as every role and signed out, as a browser asks (Accept: text/html). Whatever comes in: no 5xx;
 * an error is a page, not JSON; a refused request (4xx) changes nothing. Seeds are fixed (CI
 * replays them); `npm run fuzz` runs fresh ones. It found nine routes answering 500 for an id that
 * is not a UUID (the id reached PostgreSQL), fixed with this spec.
 */

interface Route {
  method: 'GET' | 'POST';
  path: string;
}

/** The routes of a controller, from the metadata @Controller/@Get/@Post leave on it. */
function routesOf(controller: { prototype: object }): Route[] {
  const base = String(Reflect.getMetadata(PATH_METADATA, controller));
  const proto = controller.prototype as Record<string, unknown>;
  return Object.getOwnPropertyNames(proto).flatMap((name) => {
    const handler = proto[name];
    if (typeof handler !== 'function') return [];
    const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
    const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
    if (path === undefined || method === undefined) return [];
    const full = `/${base}/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
    return [{ method: RequestMethod[method] as Route['method'], path: full }];
  });
}

const ROUTES = [...routesOf(ConsoleController), ...routesOf(PublicPageController)];
/** As fuzz.e2e-spec.ts: `npm run fuzz` draws fresh seeds (FUZZ_SEED); CI replays these fixed ones. */
const SEEDS = process.env.FUZZ_SEED ? process.env.FUZZ_SEED.split(',').map(Number) : [20261207, 4242];
const RUNS = 400;

/** Query and form field names the pages read, and a few they do not. */
const FIELDS = [
  'status', 'q', 'cursor', 'unit', 'unitCode', 'procedure', 'procedureCode', 'channel', 'due', 'sort', 'limit',
  'period', 'from', 'to', 'format', 'next', 'code', 'key', 'lookupKey', 'step', 'kind', 'expectedVersion',
  'reason', 'amount', 'note', 'assigneeId', 'toUnitCode', 'days', 'dueAt', 'paidOnline', 'fullName', 'idNumber',
  'phone', 'address', 'email', 'summary', 'notifySms', 'notifyZalo', 'username', 'password', 'confirm',
  'verdict', 'comment', 'c0', 'c8', 'content', 'n', '__proto__', 'constructor',
]; // prettier-ignore

/** Values that broke or could break a page: ids of the wrong shape, dates out of range, injection. */
const NASTY = [
  '', 'abc', '0', '-1', '1e309', 'NaN', 'null', 'true', '00000000-0000-0000-0000-000000000000',
  '2026-13', '2026-02-30', '9999-12', '0000-00', '2026-03', 'H15.50', 'H15.50-260310-0001', '../../etc/passwd',
  "'; DROP TABLE dossiers;--", '<script>alert(1)</script>', '%', '%E0%A4', '\u0000', '\ud800', '😀'.repeat(50),
  'x'.repeat(2000), 'eyJ4IjoxfQ', 'eyJ3YWl0aW5nIjoiYSIsImR1ZUF0IjoieCIsImlkIjoieSJ9', '[]', '{}', '9'.repeat(40),
]; // prettier-ignore

/** Tables a refused request must not change (the audit log and sign-in throttle record refusals by design). */
const TABLES = [
  'dossiers',
  'dossier_events',
  'alerts',
  'dossier_feedback',
  'dossier_ratings',
  'step_results',
  'report_periods',
];
const CHECKSUM_SQL = tableChecksumSql(TABLES);

/** Percent-encoding of the UTF-8 bytes, as a browser sends them (a lone surrogate becomes U+FFFD). */
const percent = (v: string) =>
  [...Buffer.from(v, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

describe('hostile input to the console and the citizens’ pages', () => {
  let api: Api;
  let p: Province;
  let ds: DataSource;
  const known: Record<string, string> = {};

  beforeAll(async () => {
    api = await startApi();
    clockOf(api)('2026-03-10T09:00:00');
    p = await buildProvince(api);
    ds = api.app.get(DataSource);
    const d = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() });
    if (d.status !== 201) throw new Error(`intake: ${d.status}`);
    known.id = d.body.id as string;
    known.code = d.body.code as string;
  }, 120_000);
  afterAll(() => api?.close());

  it('reads the routes from the controllers', () => {
    expect(ROUTES.length).toBeGreaterThan(30);
    expect(ROUTES).toEqual(
      expect.arrayContaining([
        { method: 'GET', path: '/console/dossiers/:id' },
        { method: 'POST', path: '/console/dossiers/:id/actions/:action' },
        { method: 'GET', path: '/tra-cuu/:code' },
      ]),
    );
  });

  it.each(SEEDS)(
    'seed %i: no 5xx, errors as pages, nothing changed by a refused request',
    async (seed) => {
      const value = fc.oneof(
        fc.constantFrom(...NASTY),
        fc.constant('$id'),
        fc.constant('$code'),
        fc.string({ maxLength: 40 }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.integer().map(String),
        fc.uuid(),
      );
      const resolve = (v: string) => (v === '$id' ? known.id : v === '$code' ? known.code : v);
      const request = fc.record({
        route: fc.constantFrom(...ROUTES),
        params: fc.array(value, { minLength: 3, maxLength: 3 }),
        query: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 4 }),
        form: fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 12 })), value, { maxKeys: 6 }),
        who: fc.constantFrom<keyof Province['tokens'] | 'admin' | 'anonymous'>(
        'anonymous', 'admin', 'clerk', 'officer', 'signer', 'head', 'board',
      ), // prettier-ignore
      });
      const seen = { sent: 0, pages: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          let i = 0;
          // Raw values that are not valid percent-encoding stay as typed (Fastify refuses them whole).
          const enc = (v: string) => (NASTY.includes(v) && v.includes('%') ? v : percent(resolve(v)));
          const url =
            r.route.path.replace(/:\w+/g, () => enc(r.params[i++])) +
            (Object.keys(r.query).length
              ? `?${Object.entries(r.query)
                  .map(([k, v]) => `${percent(k)}=${enc(v)}`)
                  .join('&')}`
              : '');
          const token = r.who === 'anonymous' ? null : r.who === 'admin' ? p.admin : p.tokens[r.who];
          const before = r.route.method === 'POST' ? await ds.query(CHECKSUM_SQL) : null;
          const res = await api.app.inject({
            method: r.route.method,
            url,
            headers: {
              accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
              ...(token ? { cookie: `sla_console=${token}` } : {}),
              ...(r.route.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            },
            payload:
              r.route.method === 'POST'
                ? new URLSearchParams(Object.entries(r.form).map(([k, v]) => [k, resolve(v)])).toString()
                : undefined,
            remoteAddress: freshAddress(),
          });
          seen.sent++;
          const what = `${r.route.method} ${url.slice(0, 300)} as ${r.who}: ${res.statusCode} ${res.body.slice(0, 300)}`;
          expect({ what, serverError: res.statusCode >= 500 }).toEqual({ what, serverError: false });
          const type = String(res.headers['content-type'] ?? '');
          if (type.startsWith('text/html')) seen.pages++;
          // A browser never gets the API's JSON: not even for a URL refused before any route (not
          // valid percent-encoding, a path parameter over 500 characters).
          if (res.statusCode >= 400)
            expect({ what, type }).toEqual({ what, type: expect.stringMatching(/^text\/(html|plain)/) });
          if (res.statusCode >= 400) {
            seen.refused++;
            if (before) expect(await ds.query(CHECKSUM_SQL)).toEqual(before);
          }
        }),
        { seed, numRuns: RUNS, endOnFailure: true },
      );
      console.log(
        `console fuzz seed ${seed}: ${seen.sent} requests over ${ROUTES.length} routes, ${seen.pages} pages, ${seen.refused} refused`,
      );
    },
    300_000,
  );
});
