import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { BODY_LIMIT_BYTES, IMPORT_BODY_LIMIT_BYTES, MAX_JSON_DEPTH } from '../../src/common/http-security';
import { clockOf, freshAddress } from '../public/support';
import { Api, startApi } from '../support/http';
import { buildProvince, BUILDING_PERMIT, intakeBody, Province } from '../support/province';
import { tableChecksumSql } from '../support/table-checksums';

/**
 * Hostile input: malformed, oversized, wrongly typed and injection-shaped requests derived from the
 * OpenAPI document (bodies, query strings, path parameters, headers), through the whole HTTP stack
 * of the real app. Whatever comes in: no 5xx, every 4xx in the error shape, and a refused request
 * leaves the database as it was. The limits (body size, JSON depth, content types) are then checked
 * one by one.
 */

/** Tables whose content a refused request must not change (audit_log and login_throttle record refusals by design). */
const TABLES = [
  'dossiers',
  'dossier_events',
  'units',
  'users',
  'procedures',
  'procedure_versions',
  'alerts',
  'alert_deliveries',
  'dossier_feedback',
  'dossier_ratings',
  'index_inputs',
  'index_input_history',
  'webhooks',
  'calendar_days',
  'calendar_settings',
  'calendar_changes',
  'idempotency_keys',
  'step_results',
];
const CHECKSUM_SQL = tableChecksumSql(TABLES);

const SNAKE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

type Property = 'bodies' | 'params' | 'headers' | 'raw';
/** Requests per property and seed (shrinking off: what is generated is what is sent). */
const FULL_RUNS: Record<Property, number> = { bodies: 5200, params: 3300, headers: 1200, raw: 600 };
/**
 * Per seed in CI: half of each budget. fast-check's i-th value of a seed does not depend on the
 * number of runs, so a CI run is the prefix of the full run of the same seed, and it reaches the
 * request that found FUZZ_SEED=777769557's bug (run 2415 of the bodies property).
 */
const CI_RUNS: Record<Property, number> = { bodies: 2600, params: 1650, headers: 600, raw: 300 };
/**
 * Seeds that found a bug, replayed by every CI run (deterministic: no fresh randomness in `npm test`).
 * Add the seed of every future find here. 777769557: POST /procedures with workingHours 5e-324
 * answered 500 (class-validator's maxDecimalPlaces threw on exponent notation); 1063405415: POST
 * /users with an e-mail of "\ud800" answered 500 (isEmail threw a URIError); 1385015067: a 500 found
 * by the same first-wave runs.
 */
const BUG_SEEDS = [777769557, 1063405415, 1385015067];
/**
 * FUZZ_SEED=<seed>[,<seed>…] replays those seeds with the full budgets: `npm run fuzz` (docker/fuzz.sh)
 * draws fresh seeds there and prints them, outside CI. Otherwise (CI): BUG_SEEDS, CI_RUNS. The spec
 * itself never draws a seed, so every run of it can be replayed.
 */
const MODE: { seeds: number[]; runs: Record<Property, number>; label: string } = process.env.FUZZ_SEED
  ? { seeds: process.env.FUZZ_SEED.split(',').map(Number), runs: FULL_RUNS, label: 'replay' }
  : { seeds: BUG_SEEDS, runs: CI_RUNS, label: 'fixed seeds' };
/**
 * Jest's timeout of a property test, from its count of requests: 150 ms a request is several times
 * what a request takes on a loaded 2-core machine (about 45 ms at a load average of 10), plus the
 * generation of the values. The budget is the count; the timeout only catches a hang.
 */
const timeoutFor = (requests: number) => 60_000 + requests * 150;

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  oneOf?: Schema[];
  allOf?: Schema[];
  anyOf?: Schema[];
}
interface Operation {
  method: string;
  path: string;
  pathParams: { name: string; enum?: string[] }[];
  query: { name: string; schema: Schema }[];
  body: Schema | null;
}
interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

// ---- hostile values ------------------------------------------------------------------------------

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE dossiers; --",
  '"; SELECT pg_sleep(10); --',
  "1' UNION SELECT password_hash FROM users --",
  '${7*7}',
  '{{7*7}}',
  '#{7*7}',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%00',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\uffff',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '0x7fffffff',
  '__proto__',
  'constructor',
  'prototype',
  '$where',
  '{"$gt":""}',
  'null',
  'undefined',
  'true',
  '\\',
  '',
  ' ',
  '\t\n\r',
  '😀'.repeat(50),
  'Nguyễn Văn Bình',
  'H15.50-260310-0001',
  '2026-02-30',
  '2026-13-01T25:61:00+07:00',
  '0000-00-00',
  '99999999999999999999999',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'javascript:alert(1)',
  'http://169.254.169.254/latest/meta-data/',
  'file:///etc/passwd',
  '\u202e\u0041\u200b',
  'a'.repeat(5000),
];

const hostileString = fc.oneof(
  { arbitrary: fc.constantFrom(...INJECTIONS), weight: 5 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.integer({ min: 300, max: 200_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);
const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 6 },
  { arbitrary: fc.integer(), weight: 1 },
  {
    arbitrary: fc.constantFrom(0, -1, -0, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MIN_VALUE, true, false, null),
    weight: 2,
  },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
);

function nest(depth: number, leaf: unknown, objects: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = objects ? { a: v } : [v];
  return v;
}
const deep = fc
  .tuple(fc.integer({ min: 2, max: 80 }), hostileScalar, fc.boolean())
  .map(([d, leaf, objects]) => nest(d, leaf, objects));

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileScalar, weight: 8 },
  { arbitrary: fc.array(hostileScalar, { maxLength: 6 }), weight: 2 },
  { arbitrary: fc.dictionary(hostileString, hostileScalar, { maxKeys: 5 }), weight: 2 },
  { arbitrary: deep, weight: 1 },
  { arbitrary: fc.integer({ min: 1000, max: 30_000 }).map((n) => Array.from({ length: n }, () => 'x')), weight: 1 },
);

// ---- values from the OpenAPI schemas -------------------------------------------------------------

describe('hostile input: fuzzing every operation of the OpenAPI document', () => {
  let api: Api;
  let p: Province;
  let db: DataSource;
  let doc: { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, Schema> } };
  let operations: Operation[] = [];
  const tokens: Record<string, string | undefined> = {};
  const valid: Record<string, string> = {};
  const stats = {
    sent: 0,
    notSent: 0,
    notSentReasons: new Set<string>(),
    byStatus: new Map<number, number>(),
    fiveHundreds: 0,
    refusedChanges: 0,
    sentBySeed: new Map<number, number>(),
  };
  /** What the current test found (reset before each test: a test reports its own problems only). */
  let problems: string[] = [];
  let snapshot = '';
  let xmax = '';
  /**
   * The current test's traffic: aborted after the test (afterEach), so a test that timed out stops
   * sending, and its last request is awaited before the next test looks at the database.
   */
  let traffic = new AbortController();
  let running: Promise<unknown> | null = null;
  /** Seed and run index of the request being sent, in every problem (FUZZ_SEED=<seed> replays it). */
  let where = '';

  const resolve = (s: Schema | undefined): Schema => {
    let cur = s ?? {};
    for (let i = 0; cur.$ref && i < 10; i++) cur = doc.components.schemas[cur.$ref.split('/').pop()!] ?? {};
    return cur;
  };

  /** A plausible value for a schema (its example, first enum value, a typed default). */
  function plausible(s0: Schema | undefined, depth = 0): unknown {
    const s = resolve(s0);
    if (s.example !== undefined) return s.example;
    if (s.enum?.length) return s.enum[0];
    const alt = s.oneOf ?? s.anyOf;
    if (alt?.length) return plausible(alt[0], depth + 1);
    if (s.allOf?.length) return Object.assign({}, ...s.allOf.map((x) => plausible(x, depth + 1)));
    switch (s.type) {
      case 'string':
        if (s.format === 'uuid') return valid.dossier;
        if (s.format === 'date-time') return '2026-03-10T09:00:00+07:00';
        if (s.format === 'date') return '2026-03-10';
        return 'Giá trị thử';
      case 'integer':
      case 'number':
        return 1;
      case 'boolean':
        return true;
      case 'array':
        return depth > 4 ? [] : [plausible(s.items, depth + 1)];
      default: {
        if (depth > 4 || !s.properties) return {};
        return Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, plausible(v, depth + 1)]));
      }
    }
  }

  /** A body derived from the schema with one or more hostile changes (or none, now and then). */
  /**
   * Bodies known to be valid, so that one hostile field gets past validation of the others and
   * reaches the services, the database and the PDFs; schema-derived values elsewhere.
   */
  const VALID_BODIES: Record<string, unknown[]> = {
    'POST /api/v1/auth/login': [{ username: 'admin', password: 'admin-password-1' }],
    'POST /api/v1/users': [
      { username: 'fuzzed', password: 'fuzzed-password', fullName: 'Người thử', role: 'officer', unitCode: 'H15.60' },
    ],
    'PATCH /api/v1/users/{id}': [
      {
        fullName: 'Người thử',
        email: 'a@b.vn',
        password: 'fuzzed-password',
        role: 'officer',
        unitCode: 'H15.50',
        active: true,
      },
    ],
    'PUT /api/v1/calendar/days/{date}': [{ kind: 'holiday', name: 'Nghỉ thử' }],
    'PUT /api/v1/calendar/working-hours': [
      {
        weekdays: [1, 2, 3, 4, 5],
        periods: [
          ['07:30', '11:30'],
          ['13:30', '17:00'],
        ],
      },
    ],
    'POST /api/v1/units': [{ code: 'F1', name: 'Đơn vị thử', parentCode: 'H15' }],
    'PATCH /api/v1/units/{id}': [{ name: 'Sở Xây dựng' }],
    'POST /api/v1/procedures': [{ ...BUILDING_PERMIT, code: '9.1' }],
    'PATCH /api/v1/procedures/{id}': [{ name: BUILDING_PERMIT.name }],
    'POST /api/v1/dossiers': [intakeBody()],
    'POST /api/v1/dossiers/{id}/actions/{action}': [
      { expectedVersion: 1 },
      { expectedVersion: 1, reason: 'Thiếu', items: ['Bản vẽ'] },
      { expectedVersion: 1, amount: 500000 },
      { expectedVersion: 1, newPromisedAt: '2026-03-27T16:00:00+07:00', reason: 'x', responsibleUnitCode: 'H15.50' },
      { expectedVersion: 1, resultSummary: 'Đã cấp', electronicResult: true },
      { expectedVersion: 1, reason: 'Không đủ điều kiện' },
    ],
    'POST /api/v1/imports/dossiers': [
      {
        dossiers: [
          {
            ...intakeBody(),
            code: 'H15.50-260302-0777',
            receivedAt: '2026-03-02T08:00:00+07:00',
            events: [{ action: 'forward', at: '2026-03-02T09:00:00+07:00' }],
          },
        ],
      },
    ],
    'POST /api/v1/public/dossiers/{code}/rating': [
      { lookupKey: 'x', criteria: [2, 2, 2, 2, 2, 2, 2, 2, 2], verdict: 'satisfied', comment: 'Tốt' },
    ],
    'POST /api/v1/public/dossiers/{code}/feedback': [{ lookupKey: 'x', kind: 'other', content: 'Góp ý' }],
    'POST /api/v1/feedback/{id}/answer': [{ answer: 'Đã tiếp thu' }],
    'POST /api/v1/webhooks': [{ url: 'http://127.0.0.1:9/f', secret: 'fuzz-secret-0123456789', kinds: ['overdue'] }],
    'PUT /api/v1/reports/index/inputs': [
      { period: '2026-03', unitCode: 'H15.50', indicatorKey: 'published_on_time', ratio: 0.5 },
    ],
  };

  function bodyArb(op: Operation): fc.Arbitrary<unknown> {
    const schema = op.body!;
    const base = plausible(schema);
    const s = resolve(schema);
    const alt = s.oneOf ?? s.anyOf;
    const variants = VALID_BODIES[`${op.method} ${op.path}`] ?? (alt?.length ? alt.map((a) => plausible(a)) : [base]);
    const fields = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : []);
    const mutate = fc
      .tuple(
        fc.constantFrom(...variants),
        fc.array(fc.tuple(fc.nat(), fc.nat(7), hostileString, hostileValue), { minLength: 1, maxLength: 4 }),
      )
      .map(([variant, changes]) => {
        const body: Record<string, unknown> =
          variant && typeof variant === 'object' && !Array.isArray(variant)
            ? (structuredClone(variant) as Record<string, unknown>)
            : {};
        for (const [pick, kind, key, value] of changes) {
          const names = fields(body);
          const name = names.length ? names[pick % names.length] : key;
          switch (kind) {
            case 0: // wrong type or hostile value in a declared field
            case 1:
              body[name] = value;
              break;
            case 2: // a required field missing
              delete body[name];
              break;
            case 3: // an unknown field
              body[key || 'extra'] = value;
              break;
            case 4: // prototype pollution attempts
              body[['__proto__', 'constructor', 'prototype'][pick % 3]] = { polluted: true, isAdmin: true };
              break;
            case 5: {
              // somewhere deeper: down nested objects and arrays (an applicant, a step, an imported event)
              let target = body as Record<string | number, unknown>;
              let at: string | number = name;
              for (let step = 0; step < 4; step++) {
                const next = target[at];
                if (!next || typeof next !== 'object') break;
                const keys: (string | number)[] = Array.isArray(next) ? next.map((_, i) => i) : Object.keys(next);
                if (!keys.length) break;
                target = next as Record<string | number, unknown>;
                at = keys[(pick >> step) % keys.length];
              }
              target[at] = value;
              break;
            }
            case 6: // null everywhere
              body[name] = null;
              break;
            default: // an oversized text
              body[name] = 'Đ'.repeat(1000 + (pick % 300_000));
          }
        }
        return body;
      });
    return fc.oneof(
      { arbitrary: mutate, weight: 12 },
      { arbitrary: hostileValue, weight: 3 }, // not an object at all
      { arbitrary: fc.constantFrom(...variants), weight: 1 },
    );
  }

  /** Percent-encodes like a client would; lone surrogates (not encodable) go as raw invalid UTF-8. */
  const encode = (v: string) => {
    try {
      return encodeURIComponent(v);
    } catch {
      return encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
    }
  };

  /** A path parameter: the real id now and then, else something hostile. */
  function paramArb(op: Operation, name: string, values?: string[]): fc.Arbitrary<string> {
    const real = values?.length ? fc.constantFrom(...values) : fc.constant(validFor(op.path, name));
    return fc.oneof(
      { arbitrary: real, weight: 2 },
      { arbitrary: hostileString.map(encode), weight: 5 },
      {
        arbitrary: fc.constantFrom(
          '%E0%A4%A',
          '%',
          '%zz',
          '..%2F..%2Fetc',
          '%2e%2e',
          '%C0%AE',
          '%00',
          'a%20b',
          '%F0%9F%98',
        ),
        weight: 1,
      },
    );
  }

  function validFor(path: string, name: string): string {
    if (name === 'code') return valid.code;
    if (name === 'date') return '2027-06-01';
    if (name === 'n' || name === 'version') return '1';
    const resource = path.replace('/api/v1/', '').split('/')[0];
    return valid[resource] ?? valid.dossier;
  }

  function queryArb(op: Operation): fc.Arbitrary<string> {
    const pair = fc.oneof(
      ...(op.query.length
        ? [
            fc
              .tuple(fc.constantFrom(...op.query), fc.oneof(hostileScalar, fc.constant(undefined)))
              .map(([q, v]) => [q.name, v === undefined ? String(plausible(q.schema)) : String(v)] as [string, string]),
          ]
        : []),
      fc.tuple(hostileString, hostileString).map(([k, v]) => [k, v] as [string, string]),
    );
    return fc
      .tuple(
        fc.array(pair, { maxLength: 6 }),
        fc.constantFrom('', '', '', '&&&=', '&%', '&%zz=1', '&a[b]=c', '&__proto__[x]=1'),
      )
      .map(([pairs, raw]) => {
        const qs = new URLSearchParams(pairs).toString() + raw;
        return qs ? `?${qs}` : '';
      });
  }

  function urlArb(op: Operation): fc.Arbitrary<string> {
    const params = op.pathParams.map((pp) => paramArb(op, pp.name, pp.enum));
    return fc.tuple(fc.tuple(...params), queryArb(op)).map(([values, query]) => {
      let url = op.path;
      op.pathParams.forEach((pp, i) => (url = url.replace(`{${pp.name}}`, values[i])));
      return url + query;
    });
  }

  const tokenArb = () =>
    fc.constantFrom<string | undefined>(
      tokens.admin,
      tokens.admin,
      tokens.admin,
      tokens.board,
      tokens.head,
      tokens.officer,
      tokens.clerk,
      tokens.headX,
      undefined,
    );

  const CONTENT_TYPES = [
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/xml',
    'application/json-patch+json',
    'application/jsonx',
    'application/json; charset=latin1',
    ';;;',
    'application/',
    '*/*',
    'application/json, text/plain',
  ];
  const headerValue = fc.oneof(
    fc.constantFrom(...INJECTIONS.filter((s) => /^[\x20-\x7e]*$/.test(s))),
    fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
  );

  /** Sends one request and checks the invariants; returns nothing, records problems. */
  async function send(r: Sent): Promise<void> {
    let res;
    try {
      res = await api.app.inject({
        method: r.method as 'GET',
        url: r.url,
        headers: r.headers,
        payload: r.payload,
        remoteAddress: freshAddress(),
      });
    } catch (err) {
      // light-my-request refuses some inputs before they reach the server: nothing was sent.
      stats.notSent++;
      stats.notSentReasons.add((err as Error).message.slice(0, 80));
      return;
    }
    stats.sent++;
    stats.byStatus.set(res.statusCode, (stats.byStatus.get(res.statusCode) ?? 0) + 1);
    const what = `${where} ${r.method} ${r.url.slice(0, 200)} [${r.headers['content-type'] ?? '-'}] ${String(r.payload ?? '').slice(0, 200)}`;
    if (res.statusCode >= 500) {
      stats.fiveHundreds++;
      problems.push(`${res.statusCode} for ${what}: ${res.body.slice(0, 300)}`);
    } else if (res.statusCode >= 400) {
      let body: any;
      try {
        body = JSON.parse(res.body);
      } catch {
        body = null;
      }
      const shaped =
        body &&
        body.statusCode === res.statusCode &&
        typeof body.code === 'string' &&
        SNAKE.test(body.code) &&
        typeof body.message === 'string' &&
        (body.details === undefined || Array.isArray(body.details));
      if (!shaped) problems.push(`${res.statusCode} not in the error shape for ${what}: ${res.body.slice(0, 300)}`);
    }
    // Did the database change? A cheap look at the transaction counter first, the checksum only then.
    const [{ xmax: now }] = await db.query(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`);
    if (now === xmax) return;
    xmax = now;
    const sum = await checksum();
    if (sum !== snapshot) {
      if (res.statusCode >= 400) {
        stats.refusedChanges++;
        problems.push(`refused with ${res.statusCode} but the database changed: ${what}`);
      }
      snapshot = sum;
    }
  }

  async function checksum(): Promise<string> {
    const rows: { t: string; n: number; h: string }[] = await db.query(CHECKSUM_SQL);
    return rows.map((r) => `${r.t}:${r.n}:${r.h}`).join(',');
  }

  /** Sends `runs` requests drawn from `arb` with the seed; stops early once the test's traffic is aborted. */
  const check = async (seed: number, property: Property, arb: fc.Arbitrary<Sent>) => {
    const runs = MODE.runs[property];
    const signal = traffic.signal;
    let i = 0;
    running = fc.assert(
      fc.asyncProperty(arb, async (r) => {
        if (signal.aborted) throw new Error('aborted: the test ended (timed out)');
        where = `[FUZZ_SEED=${seed} ${property} #${i++}]`;
        await send(r);
      }),
      // The seed of a property is the run's seed plus the full budget: a CI run is a prefix of the full run.
      { numRuns: runs, endOnFailure: true, seed: seed + FULL_RUNS[property] },
    );
    await running;
    stats.sentBySeed.set(seed, (stats.sentBySeed.get(seed) ?? 0) + runs);
  };

  beforeEach(() => {
    problems = [];
    traffic = new AbortController();
  });

  afterEach(async () => {
    traffic.abort();
    await running?.catch(() => undefined);
    running = null;
  });

  beforeAll(async () => {
    api = await startApi();
    clockOf(api)('2026-03-10T09:00:00');
    p = await buildProvince(api);
    db = api.app.get(DataSource);
    Object.assign(tokens, {
      admin: p.admin,
      board: p.tokens.board,
      head: p.tokens.head,
      officer: p.tokens.officer,
      clerk: p.tokens.clerk,
      headX: p.tokens.headOther,
    });
    const admin = async (method: string, url: string, body?: unknown) => {
      const res = await api.request(method, url, { token: p.admin, body, remoteAddress: freshAddress() });
      if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const d = await admin('POST', '/dossiers', intakeBody());
    valid.dossiers = d.id;
    valid.dossier = d.id;
    valid.code = d.code;
    valid.units = (await admin('GET', '/units?limit=500')).items.find((u: { code: string }) => u.code === 'H15.50').id;
    // A user of its own: valid PATCH bodies change its password and role, not those of the callers.
    valid.users = (
      await admin('POST', '/users', {
        username: 'fuzztarget',
        password: 'fuzztarget-password',
        fullName: 'Người bị thử',
        role: 'officer',
        unitCode: 'H15.60',
      })
    ).id;
    valid.procedures = (await admin('GET', '/procedures')).items.find(
      (x: { code: string }) => x.code === BUILDING_PERMIT.code,
    ).id;
    valid.webhooks = (
      await admin('POST', '/webhooks', {
        url: 'http://127.0.0.1:9/hook',
        secret: 'webhook-secret-0123456789',
        kinds: ['overdue'],
      })
    ).id;
    await admin('POST', '/imports/dossiers', {
      dossiers: [{ ...intakeBody(), code: 'H15.50-260302-0901', receivedAt: '2026-03-02T08:00:00+07:00', events: [] }],
    });
    await admin('POST', '/sla/scan');
    valid.alerts = (await admin('GET', '/alerts?limit=1')).items[0]?.id ?? valid.dossier;
    const lodged = await api.request('POST', `/public/dossiers/${d.code}/feedback`, {
      body: { lookupKey: d.lookupKey, kind: 'other', content: 'Góp ý thử' },
      remoteAddress: freshAddress(),
    });
    valid.feedback = lodged.body.id;

    doc = (await api.request('GET', '/docs-json')).body;
    operations = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const params = (op.parameters ?? []) as { name: string; in: string; schema?: Schema }[];
        const content = op.requestBody?.content?.['application/json']?.schema as Schema | undefined;
        operations.push({
          method: method.toUpperCase(),
          path,
          pathParams: params
            .filter((x) => x.in === 'path')
            .map((x) => ({ name: x.name, enum: x.schema?.enum as string[] | undefined })),
          query: params.filter((x) => x.in === 'query').map((x) => ({ name: x.name, schema: x.schema ?? {} })),
          body: content ?? null,
        });
      }
    }
    snapshot = await checksum();
    [{ xmax }] = await db.query(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`);
  }, 180_000);

  afterAll(async () => {
    const statuses = [...stats.byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`);
    process.stdout.write(
      `fuzz (${MODE.label}: ${MODE.seeds.map((x) => `FUZZ_SEED=${x}`).join(', ')}; replay one with FUZZ_SEED=<seed> npm run fuzz): ${stats.sent} requests sent over ${operations.length} operations; 5xx: ${stats.fiveHundreds}; ` +
        `refused requests that changed the database: ${stats.refusedChanges}; by status ${statuses.join(' ')}; ` +
        `refused by the injecting client before sending: ${stats.notSent} ${[...stats.notSentReasons].join(' | ')}\n`,
    );
    await api?.close();
  });

  it('derives the operations from the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((o) => o.body).length).toBeGreaterThan(15);
  });

  // The random properties, once per seed; each seed's line says how to replay it.
  describe.each(MODE.seeds)('seed %i', (seed) => {
    beforeAll(() => {
      process.stdout.write(
        `fuzz seed ${seed} (${MODE.label}; ${Object.values(MODE.runs).reduce((x, y) => x + y, 0)} requests): ` +
          `replay with FUZZ_SEED=${seed} npm run fuzz\n`,
      );
    });

    it(
      'answers malformed and hostile bodies, from the schemas, without a 5xx and in the error shape',
      async () => {
        const withBody = operations.filter((o) => o.body);
        const arb = fc.constantFrom(...withBody).chain((op) =>
          fc
            .tuple(urlArb(op), bodyArb(op), tokenArb(), fc.constantFrom('', '', '', 'k', 'key with spaces'))
            .map(([url, body, token, key]): Sent => ({
              method: op.method,
              url,
              headers: {
                'content-type': 'application/json',
                ...(token ? { authorization: `Bearer ${token}` } : {}),
                ...(key ? { 'idempotency-key': key } : {}),
              },
              payload: JSON.stringify(body) ?? 'null',
            })),
        );
        await check(seed, 'bodies', arb);
        expect(problems).toEqual([]);
      },
      timeoutFor(MODE.runs.bodies),
    );

    it(
      'answers hostile path parameters and query strings on every operation',
      async () => {
        const arb = fc.constantFrom(...operations).chain((op) =>
          fc.tuple(urlArb(op), tokenArb()).map(([url, token]): Sent => ({
            method: op.method,
            url,
            headers: {
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              ...(op.body ? { 'content-type': 'application/json' } : {}),
            },
            ...(op.body ? { payload: JSON.stringify(plausible(op.body)) } : {}),
          })),
        );
        await check(seed, 'params', arb);
        expect(problems).toEqual([]);
      },
      timeoutFor(MODE.runs.params),
    );

    it(
      'answers odd content types, authorization and other headers in the error shape',
      async () => {
        const arb = fc.constantFrom(...operations).chain((op) =>
          fc
            .tuple(
              fc.constantFrom(...CONTENT_TYPES, undefined),
              fc.oneof(
                tokenArb().map((t) => (t ? `Bearer ${t}` : undefined)),
                fc.constantFrom(
                  'Bearer',
                  'Bearer ',
                  'Basic YWRtaW46YWRtaW4=',
                  'bearer x.y.z',
                  `Bearer ${'a'.repeat(5000)}`,
                ),
                headerValue,
              ),
              headerValue,
              headerValue,
              fc.constantFrom('json', 'form', 'text', 'empty'),
            )
            .map(([type, auth, key, requestId, shape]): Sent => {
              const body = op.body ? plausible(op.body) : { a: 1 };
              const payload =
                shape === 'json'
                  ? JSON.stringify(body)
                  : shape === 'form'
                    ? 'username=admin&password=x'
                    : shape === 'text'
                      ? 'hello'
                      : undefined;
              return {
                method: op.method,
                url: op.path.replace(/\{(\w+)\}/g, (_m, name: string) => validFor(op.path, name)),
                headers: {
                  ...(type !== undefined ? { 'content-type': type } : {}),
                  ...(auth !== undefined ? { authorization: auth } : {}),
                  'idempotency-key': key,
                  'x-request-id': requestId,
                  accept: 'application/xml, */*;q=0.1',
                },
                payload,
              };
            }),
        );
        await check(seed, 'headers', arb);
        expect(problems).toEqual([]);
      },
      timeoutFor(MODE.runs.headers),
    );

    it(
      'answers unparsable, truncated and huge raw bodies in the error shape',
      async () => {
        const withBody = operations.filter((o) => o.body);
        const raw = fc.oneof(
          fc.constantFrom(
            '{',
            '{"a":',
            '[',
            ']',
            '{"a":1,}',
            "{'a':1}",
            '{"a":1}{"b":2}',
            'nul',
            '\u0000',
            '\ufeff{}',
            '{"__proto__":{"isAdmin":true}}',
            '{"constructor":{"prototype":{"isAdmin":true}}}',
            '{"a":"\\ud800"}',
            '{"a":1e999999}',
            '{"a":' + '9'.repeat(5000) + '}',
            '"' + 'x'.repeat(100) + '"',
          ),
          fc.string({ maxLength: 200 }),
          fc.integer({ min: 1, max: 5000 }).map((n) => '['.repeat(n)),
          fc.integer({ min: 1, max: 200 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
          fc
            .integer({ min: BODY_LIMIT_BYTES - 100, max: BODY_LIMIT_BYTES + 100_000 })
            .map((n) => `{"a":"${'x'.repeat(n)}"}`),
        );
        const arb = fc.tuple(fc.constantFrom(...withBody), raw, tokenArb()).map(([op, payload, token]): Sent => ({
          method: op.method,
          url: op.path.replace(/\{(\w+)\}/g, (_m, name: string) => validFor(op.path, name)),
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          payload,
        }));
        await check(seed, 'raw', arb);
        expect(problems).toEqual([]);
        // The whole budget of the seed went out (an aborted run would have stopped short and failed).
        expect(stats.sentBySeed.get(seed)).toBe(Object.values(MODE.runs).reduce((x, y) => x + y, 0));
      },
      timeoutFor(MODE.runs.raw),
    );
  });

  it(
    'answers null, an empty string, a wrong type or a hostile text in each field of each valid body without a 5xx',
    async () => {
      // Deterministic sweep beside the random runs: every top-level and nested field of every valid body.
      const paths = (v: unknown, prefix: (string | number)[] = []): (string | number)[][] => {
        if (!v || typeof v !== 'object') return [prefix];
        const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
        return [prefix, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...prefix, k]))];
      };
      const replaced = (v: unknown, path: (string | number)[], value: unknown): unknown => {
        if (!path.length) return value;
        const copy = structuredClone(v) as Record<string | number, unknown>;
        let at = copy;
        for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
        at[path[path.length - 1]] = value;
        return copy;
      };
      const requests: Sent[] = [];
      for (const op of operations.filter((o) => VALID_BODIES[`${o.method} ${o.path}`])) {
        const url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
          name === 'action' ? 'resolve' : validFor(op.path, name),
        );
        for (const body of VALID_BODIES[`${op.method} ${op.path}`]) {
          for (const path of paths(body).filter((x) => x.length > 0)) {
            for (const value of [null, '', 0, true, [], {}, "'; DROP TABLE users; --", 'Đ'.repeat(5000)]) {
              requests.push({
                method: op.method,
                url,
                headers: {
                  'content-type': 'application/json',
                  // Index inputs are the reform board's alone; everything else the admin may call.
                  authorization: `Bearer ${op.path.endsWith('/index/inputs') ? tokens.board : tokens.admin}`,
                },
                payload: JSON.stringify(replaced(body, path, value)),
              });
            }
          }
        }
      }
      const signal = traffic.signal;
      running = (async () => {
        for (const [i, r] of requests.entries()) {
          if (signal.aborted) throw new Error('aborted: the test ended (timed out)');
          where = `[sweep #${i}]`;
          await send(r);
        }
      })();
      await running;
      expect(requests.length).toBeGreaterThan(500);
      expect(problems).toEqual([]);
    },
    timeoutFor(1500),
  );

  describe('limits', () => {
    const post = (url: string, payload: string, contentType: string | null = 'application/json') =>
      api.app.inject({
        method: 'POST',
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${tokens.admin}`, ...(contentType ? { 'content-type': contentType } : {}) },
        payload,
      });
    const shaped = (res: { statusCode: number; body: string }, code: string) => {
      const body = JSON.parse(res.body);
      expect(body).toMatchObject({ statusCode: res.statusCode, code, message: expect.any(String) });
    };
    // Always invalid (an unknown field): what is seen is how far the body got, and nothing is created.
    const unit = (name: string) => JSON.stringify({ code: 'LIMIT', name, extra: 1 });

    it(`refuses a body over ${BODY_LIMIT_BYTES} bytes with 413 and reads one just under it`, async () => {
      const over = await post('/units', unit('x'.repeat(BODY_LIMIT_BYTES)));
      expect(over.statusCode).toBe(413);
      shaped(over, 'PAYLOAD_TOO_LARGE');
      const under = await post('/units', unit('x'.repeat(BODY_LIMIT_BYTES - 100)));
      expect(under.statusCode).toBe(400);
      shaped(under, 'VALIDATION_FAILED');
    });

    it(`lets the import route alone take up to ${IMPORT_BODY_LIMIT_BYTES} bytes`, async () => {
      const items = Array.from({ length: 4000 }, (_, i) => ({
        ...intakeBody(),
        code: `H15.50-260302-${String(1000 + (i % 8000)).padStart(4, '0')}`,
        receivedAt: 'not an instant',
        summary: 'x'.repeat(1000),
        events: [],
      }));
      const big = JSON.stringify({ dossiers: items });
      expect(big.length).toBeGreaterThan(4 * BODY_LIMIT_BYTES);
      const accepted = await post('/imports/dossiers', big);
      expect(accepted.statusCode).toBe(200);
      expect(JSON.parse(accepted.body)).toMatchObject({ imported: 0 });
      const tooBig = await post(
        '/imports/dossiers',
        JSON.stringify({ dossiers: [], pad: 'x'.repeat(IMPORT_BODY_LIMIT_BYTES) }),
      );
      expect(tooBig.statusCode).toBe(413);
      shaped(tooBig, 'PAYLOAD_TOO_LARGE');
    }, 180_000);

    it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels with 400 JSON_TOO_DEEP, before parsing`, async () => {
      // The body object is level 1; `name` adds levels of arrays.
      const nested = (levels: number) => `{"code":"LIMIT","name":${'['.repeat(levels - 1)}1${']'.repeat(levels - 1)}}`;
      expect(nested(3)).toBe('{"code":"LIMIT","name":[[1]]}');
      const deepest = await post('/units', nested(MAX_JSON_DEPTH));
      expect(deepest.statusCode).toBe(400);
      shaped(deepest, 'VALIDATION_FAILED');
      const tooDeep = await post('/units', nested(MAX_JSON_DEPTH + 1));
      expect(tooDeep.statusCode).toBe(400);
      shaped(tooDeep, 'JSON_TOO_DEEP');
      // Far deeper, and unbalanced: still refused by the depth check, not by a stack overflow.
      const abyss = await post('/units', '['.repeat(500_000));
      expect(abyss.statusCode).toBe(400);
      shaped(abyss, 'JSON_TOO_DEEP');
      // Brackets inside strings are text, not nesting.
      const text = await post('/units', unit('['.repeat(100) + '\\"{'.repeat(50)));
      expect(text.statusCode).toBe(400);
      shaped(text, 'VALIDATION_FAILED');
    });

    it('accepts only application/json bodies on the API: anything else is 415 in the error shape', async () => {
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/json-patch+json',
        null, // no content type at all
      ]) {
        const res = await post(
          '/units',
          type === 'application/x-www-form-urlencoded' ? 'code=LIMIT&name=x' : unit('x'),
          type,
        );
        expect([type, res.statusCode]).toEqual([type, 415]);
        shaped(res, 'UNSUPPORTED_MEDIA_TYPE');
      }
      for (const type of ['application/json; charset=utf-8', 'Application/JSON']) {
        const res = await post('/units', JSON.stringify({ code: `LIM${type.length}`, name: 'Đơn vị' }), type);
        expect([type, res.statusCode]).toEqual([type, 201]);
      }
      // The console's HTML forms (outside the API prefix) keep their urlencoded bodies.
      const form = await api.app.inject({
        method: 'POST',
        url: '/console/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'username=admin&password=wrong',
        remoteAddress: freshAddress(),
      });
      expect(form.statusCode).not.toBe(415);
      expect(form.statusCode).toBeLessThan(500);
    });

    it('refuses the NUL character (which PostgreSQL text cannot hold) in bodies and URLs with 400, not 500', async () => {
      const login = await api.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ username: 'ad\u0000min', password: 'x' }),
        remoteAddress: freshAddress(),
      });
      expect(login.statusCode).toBe(400);
      shaped(login, 'VALIDATION_FAILED');
      for (const url of [
        '/api/v1/dossiers?code=%00',
        '/api/v1/public/dossiers/H15.50%00',
        '/api/v1/units?parentCode=a%00b',
      ]) {
        const res = await api.app.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${tokens.admin}` },
          remoteAddress: freshAddress(),
        });
        expect([url, res.statusCode]).toEqual([url, 400]);
        shaped(res, 'VALIDATION_FAILED');
      }
    });

    it('refuses lone surrogates (not Unicode text) with 400, not 500, and takes surrogate pairs', async () => {
      // class-validator's isEmail and isUrl threw a URIError on these: 500 before the check.
      const email = await post(
        '/users',
        '{"username":"lone","password":"lone-password","fullName":"x","email":"\\ud800@x.vn","role":"admin"}',
      );
      expect(email.statusCode).toBe(400);
      shaped(email, 'VALIDATION_FAILED');
      const url = await post(
        '/webhooks',
        '{"url":"http://x.vn/\\udc00","secret":"0123456789abcdef","kinds":["overdue"]}',
      );
      expect(url.statusCode).toBe(400);
      shaped(url, 'VALIDATION_FAILED');
      const pair = await post('/units', '{"code":"EMOJI1","name":"\\ud83d\\ude00 Đơn vị"}');
      expect(pair.statusCode).toBe(201);
      expect(JSON.parse(pair.body).name).toBe('😀 Đơn vị');
    });

    it('refuses prototype-poisoning keys in the error shape and pollutes nothing', async () => {
      for (const payload of ['{"__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{"isAdmin":true}}}']) {
        const res = await post('/units', payload);
        expect(res.statusCode).toBe(400);
        shaped(res, 'INVALID_JSON');
      }
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });
  });
});
