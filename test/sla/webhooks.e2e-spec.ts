import { DataSource } from 'typeorm';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';

describe('webhook subscriptions (admin)', () => {
  let api: Api;
  let p: Province;
  const SECRET = 'a-very-secret-signing-key-1234';

  const create = (body: unknown, token = p.admin) => api.request('POST', '/webhooks', { token, body });
  const valid = { url: 'https://hethong.example.gov.vn/hooks/sla?token=abc', secret: SECRET, kinds: ['overdue'] };

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
  });
  afterAll(async () => {
    await api.close();
  });

  it('creates a webhook and never returns its secret', async () => {
    const res = await create({ ...valid, kinds: ['overdue', 'escalated'] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: valid.url,
      kinds: ['overdue', 'escalated'],
      active: true,
      createdAt: expect.stringMatching(/\+07:00$/),
    });
    const list = await api.request('GET', '/webhooks', { token: p.admin });
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toEqual({
      ...res.body,
      deliveries: { pending: 0, sent: 0, failed: 0 },
      lastError: null,
      lastErrorAt: null,
    });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(JSON.stringify(list.body)).not.toContain(SECRET);
  });

  it.each([
    ['a URL that is not http(s)', { ...valid, url: 'ftp://example.gov.vn/x' }, 'url'],
    ['a URL without a scheme', { ...valid, url: 'example.gov.vn/hook' }, 'url'],
    ['a secret shorter than 16 characters', { ...valid, secret: 'short-secret' }, 'secret'],
    ['a secret longer than 200 characters', { ...valid, secret: 'x'.repeat(201) }, 'secret'],
    ['no kinds', { ...valid, kinds: [] }, 'kinds'],
    ['an unknown kind', { ...valid, kinds: ['overdue', 'late'] }, 'kinds'],
    ['a repeated kind', { ...valid, kinds: ['overdue', 'overdue'] }, 'kinds'],
    ['kinds that are not a list', { ...valid, kinds: 'overdue' }, 'kinds'],
    ['an unknown field', { ...valid, active: false }, 'active'],
    ['a missing secret', { url: valid.url, kinds: valid.kinds }, 'secret'],
  ])('refuses %s with 400 VALIDATION_FAILED naming the field', async (_what, body, field) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', message: 'Dữ liệu không hợp lệ.' });
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
  });

  it('explains a bad field in Vietnamese', async () => {
    const res = await create({ ...valid, secret: 'short' });
    expect(res.body.details).toEqual([
      expect.objectContaining({ field: 'secret', message: expect.stringContaining('Khóa bí mật') }),
    ]);
  });

  it('refuses every webhook endpoint to non-admins (403) and to anonymous callers (401)', async () => {
    const id = (await create(valid)).body.id;
    for (const token of [p.tokens.head, p.tokens.board, p.tokens.clerk]) {
      expect((await create(valid, token)).status).toBe(403);
      expect((await api.request('GET', '/webhooks', { token })).status).toBe(403);
      expect((await api.request('DELETE', `/webhooks/${id}`, { token })).status).toBe(403);
      expect((await api.request('GET', `/webhooks/${id}/deliveries`, { token })).status).toBe(403);
    }
    const anonymous = await api.request('GET', '/webhooks');
    expect(anonymous.status).toBe(401);
    const still = (await api.request('GET', '/webhooks?limit=500', { token: p.admin })).body.items;
    expect(still.find((w: { id: string }) => w.id === id).active).toBe(true);
  });

  it('deletes by deactivating: 204, listed as inactive, unknown ids 404', async () => {
    const id = (await create(valid)).body.id;
    const del = await api.request('DELETE', `/webhooks/${id}`, { token: p.admin });
    expect(del.status).toBe(204);
    expect(del.body).toBe('');
    expect((await api.request('DELETE', `/webhooks/${id}`, { token: p.admin })).status).toBe(204);
    const items = (await api.request('GET', '/webhooks?limit=500', { token: p.admin })).body.items;
    expect(items.find((w: { id: string }) => w.id === id)).toMatchObject({ id, active: false });
    const unknown = await api.request('DELETE', '/webhooks/00000000-0000-4000-8000-000000000000', { token: p.admin });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    expect((await api.request('DELETE', '/webhooks/not-a-uuid', { token: p.admin })).status).toBe(404);
    expect(
      (await api.request('GET', '/webhooks/00000000-0000-4000-8000-000000000000/deliveries', { token: p.admin }))
        .status,
    ).toBe(404);
  });

  it('pages the list newest first with a cursor', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await create(valid)).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.request(
        'GET',
        `/webhooks?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: p.admin },
      );
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((w) => w.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());
    expect((await api.request('GET', '/webhooks?cursor=garbage', { token: p.admin })).status).toBe(400);
  });

  it('counts deliveries per status, shows the last error, and lists deliveries by status with a cursor', async () => {
    const hook = (await create(valid)).body;
    const other = (await create(valid)).body;
    const dossier = (await api.request('POST', '/dossiers', { token: p.tokens.clerk, body: intakeBody() })).body;
    const db = api.app.get(DataSource);
    // Alerts and their outbox rows as the scan and the worker leave them.
    const alerts: { id: string }[] = await db.query(
      `INSERT INTO alerts (kind, dossier_id, unit_id, deadline_at)
       SELECT 'overdue', d.id, d.handling_unit_id, now() + make_interval(mins => g) FROM dossiers d, generate_series(1, 5) g
       WHERE d.id = $1 RETURNING id`,
      [dossier.id],
    );
    const rows: [string, string, number, string | null, string][] = [
      ['sent', hook.id, 1, null, '5 minutes'],
      ['failed', hook.id, 8, 'HTTP 502', '4 minutes'],
      ['failed', hook.id, 8, 'timeout after 5000 ms', '3 minutes'],
      ['pending', hook.id, 2, 'HTTP 500', '2 minutes'],
      ['sent', other.id, 1, null, '1 minute'],
    ];
    const ids: string[] = [];
    for (const [i, [status, target, attempts, error, ago]] of rows.entries()) {
      const [r] = await db.query(
        `INSERT INTO alert_deliveries (alert_id, alert_deadline_at, channel, target, status, attempts, last_error, last_attempt_at)
         SELECT $1, a.deadline_at, 'webhook', $2, $3, $4, $5, now() - $6::interval FROM alerts a WHERE a.id = $1
         RETURNING id::text AS id`,
        [alerts[i].id, target, status, attempts, error, ago],
      );
      ids.push(r.id);
    }
    const items = (await api.request('GET', '/webhooks?limit=500', { token: p.admin })).body.items;
    expect(items.find((w: { id: string }) => w.id === hook.id)).toMatchObject({
      deliveries: { pending: 1, sent: 1, failed: 2 },
      lastError: 'HTTP 500',
      lastErrorAt: expect.stringMatching(/\+07:00$/),
    });
    expect(items.find((w: { id: string }) => w.id === other.id)).toMatchObject({
      deliveries: { pending: 0, sent: 1, failed: 0 },
      lastError: null,
    });

    const failedPage1 = await api.request('GET', `/webhooks/${hook.id}/deliveries?status=failed&limit=1`, {
      token: p.admin,
    });
    expect(failedPage1.status).toBe(200);
    expect(failedPage1.body.items).toEqual([
      {
        id: ids[2],
        alertId: alerts[2].id,
        kind: 'overdue',
        dossierId: dossier.id,
        dossierCode: dossier.code,
        status: 'failed',
        attempts: 8,
        lastError: 'timeout after 5000 ms',
        createdAt: expect.stringMatching(/\+07:00$/),
        lastAttemptAt: expect.stringMatching(/\+07:00$/),
        sentAt: null,
      },
    ]);
    const failedPage2 = await api.request(
      'GET',
      `/webhooks/${hook.id}/deliveries?status=failed&limit=1&cursor=${failedPage1.body.nextCursor}`,
      { token: p.admin },
    );
    expect(failedPage2.body.items.map((d: { id: string }) => d.id)).toEqual([ids[1]]);
    expect(failedPage2.body.nextCursor).toBeNull();
    const all = await api.request('GET', `/webhooks/${hook.id}/deliveries`, { token: p.admin });
    expect(all.body.items.map((d: { id: string }) => d.id)).toEqual([ids[3], ids[2], ids[1], ids[0]]);
    expect(JSON.stringify(all.body)).not.toContain(SECRET);
    const bad = await api.request('GET', `/webhooks/${hook.id}/deliveries?status=lost`, { token: p.admin });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'status' })]);
  });
});
