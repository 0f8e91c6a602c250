import { PUBLIC_RATE_LIMIT } from '../../src/public/public-rate-limit.guard';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';
import { act, citizen, clockOf, intake, Intaken, withoutRequestId } from './support';

/** Every key and every string value anywhere in a JSON value. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

describe('public lookup of a dossier (no sign-in)', () => {
  let api: Api;
  let p: Province;
  let setNow: (local: string) => void;
  let pub: ReturnType<typeof citizen>;
  let d: Intaken;
  const staffNames = [
    'Nguyễn Thị Lan',
    'Trần Văn Minh',
    'Lê Thị Hoa',
    'Phạm Quốc Hùng',
    'Đỗ Thu Trang',
    'Vũ Văn Nam',
    'Hoàng Thị Mai',
    'Bùi Đức Long',
  ];
  const applicant = { ...intakeBody().applicant, email: 'binh.nguyen@example.vn' };

  beforeAll(async () => {
    api = await startApi();
    p = await buildProvince(api);
    setNow = clockOf(api);
    pub = citizen(api);
    // A dossier with everything that names people: forwarded to an assignee, extended by the
    // head, resolved, with feedback answered by the head and a rating.
    setNow('2026-03-02T08:00:00');
    d = await intake(api, p, { applicant });
    setNow('2026-03-02T09:00:00');
    await act(api, d.id, 'forward', p.tokens.clerk, { expectedVersion: 1, assigneeUserId: p.userIds.officer });
    setNow('2026-03-03T09:00:00');
    await act(api, d.id, 'extend', p.tokens.head, {
      expectedVersion: 2,
      newPromisedAt: '2026-03-10T17:00:00+07:00',
      reason: 'Cần lấy ý kiến phối hợp',
      responsibleUnitCode: 'H15.50.01',
    });
    await act(api, d.id, 'forward', p.tokens.officer, { expectedVersion: 3, assigneeUserId: p.userIds.signer });
    setNow('2026-03-04T10:00:00');
    await act(api, d.id, 'resolve', p.tokens.signer, {
      expectedVersion: 4,
      resultSummary: 'Đã cấp giấy phép',
      electronicResult: true,
    });
    const fb = await pub('POST', `${d.code}/feedback`, {
      lookupKey: d.lookupKey,
      kind: 'conduct',
      content: `Tôi là ${applicant.fullName}, số điện thoại ${applicant.phone}: cán bộ hẹn nhiều lần.`,
    });
    expect(fb.status).toBe(201);
    const answered = await api.request('POST', `/feedback/${fb.body.id}/answer`, {
      token: p.tokens.head,
      body: { answer: 'Đơn vị đã kiểm tra và chấn chỉnh việc hẹn lại.' },
    });
    expect(answered.status).toBe(200);
    const rated = await pub('POST', `${d.code}/rating`, {
      lookupKey: d.lookupKey,
      criteria: [2, 2, 1, 2, 2, 2, 1, 2, 2],
      verdict: 'satisfied',
      comment: `Cảm ơn chị ${staffNames[0]}`,
    });
    expect(rated.status).toBe(201);
  });
  afterAll(() => api.close());

  it('shows status and dates only, and no personal field anywhere in the answer', async () => {
    setNow('2026-03-05T08:00:00');
    const res = await pub('GET', d.code);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      code: d.code,
      procedureName: 'Cấp giấy phép xây dựng',
      status: 'resolved',
      statusLabel: 'Đã có kết quả (chờ trả)',
      receivedAt: '2026-03-02T08:00:00+07:00',
      dueAt: '2026-03-05T08:00:00+07:00',
      promisedAt: '2026-03-10T17:00:00+07:00',
      endedAt: '2026-03-04T10:00:00+07:00',
      rated: true,
      feedback: [
        {
          kind: 'conduct',
          kindLabel: 'Phản ánh về hành vi, thái độ xử lý của cán bộ, công chức, viên chức',
          lodgedAt: '2026-03-04T10:00:00+07:00',
          dueAt: '2026-03-25T10:00:00+07:00',
          answeredAt: '2026-03-04T10:00:00+07:00',
          answer: 'Đơn vị đã kiểm tra và chấn chỉnh việc hẹn lại.',
        },
      ],
      supplementRequest: null,
    });
    const forbidden = [
      applicant.fullName,
      applicant.idNumber,
      applicant.phone,
      applicant.address,
      applicant.email,
      'applicant',
      'summary',
      d.id,
      d.lookupKey,
      ...staffNames,
      ...Object.values(p.userIds),
      ...['assigneeUserId', 'actorUserId', 'answeredBy', 'answeredByUserId', 'content', 'comment'],
    ];
    for (const s of strings(res.body)) {
      for (const f of forbidden) expect(s.toLowerCase()).not.toContain(f.toLowerCase());
    }
  });

  it('never shows personal data in any public answer: rating, feedback, and every error', async () => {
    const fresh = await intake(api, p, { applicant });
    const answers = [
      await pub('GET', fresh.code),
      await pub('POST', `${fresh.code}/feedback`, {
        lookupKey: fresh.lookupKey,
        kind: 'other',
        content: 'Hỏi tiến độ',
      }),
      await pub('POST', `${fresh.code}/rating`, {
        lookupKey: fresh.lookupKey,
        criteria: [2, 2, 2, 2, 2, 2, 2, 2, 2],
        verdict: 'satisfied',
      }),
      await pub('POST', `${fresh.code}/rating`, { lookupKey: 'WRONGKEY', criteria: [], verdict: 'x' }),
      await pub('POST', `${fresh.code}/feedback`, { lookupKey: 'WRONG', kind: 'other', content: 'x' }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 201, 409, 400, 404]);
    const forbidden = [applicant.fullName, applicant.idNumber, applicant.phone, applicant.address, fresh.id];
    for (const a of answers) {
      for (const s of strings(a.body)) for (const f of forbidden) expect(s).not.toContain(f);
    }
  });

  it('gives the same 404 for an unknown code and a malformed one, so codes cannot be probed', async () => {
    const unknown = await pub('GET', 'H15.50-260302-9999');
    // Longer than any code (up to Fastify's 100-character limit on path parameters; beyond it the
    // router answers 414 before the app sees the request, whatever the code).
    const malformed = [
      await pub('GET', 'x'.repeat(99)),
      await pub('GET', '%0A%0D'),
      await pub('GET', '%20H15.50-260302-0001'),
    ];
    expect(unknown.status).toBe(404);
    expect(withoutRequestId(unknown.body)).toEqual({
      statusCode: 404,
      code: 'NOT_FOUND',
      message: 'Không tìm thấy hồ sơ với mã hồ sơ và mã tra cứu đã nhập.',
    });
    for (const m of malformed) {
      expect(m.status).toBe(404);
      expect(withoutRequestId(m.body)).toEqual(withoutRequestId(unknown.body));
    }
  });

  it('refuses a wrong key with the answer an unknown code gets, so it does not tell whether the code exists', async () => {
    const unknown = await pub('GET', 'H15.50-260302-9999');
    const rating = { criteria: [2, 2, 2, 2, 2, 2, 2, 2, 2], verdict: 'satisfied' };
    const feedback = { kind: 'other', content: 'Hỏi tiến độ' };
    const answers = [
      await pub('POST', `${d.code}/rating`, { ...rating, lookupKey: 'AAAAAAAAAAAA' }),
      await pub('POST', `H15.50-260302-9999/rating`, { ...rating, lookupKey: d.lookupKey }),
      await pub('POST', `${d.code}/feedback`, { ...feedback, lookupKey: 'AAAAAAAAAAAA' }),
      await pub('POST', `H15.50-260302-9999/feedback`, { ...feedback, lookupKey: d.lookupKey }),
      await pub('POST', `${'y'.repeat(90)}/feedback`, { ...feedback, lookupKey: d.lookupKey }),
    ];
    for (const a of answers) {
      expect(a.status).toBe(404);
      expect(withoutRequestId(a.body)).toEqual(withoutRequestId(unknown.body));
    }
  });

  it('accepts the key whatever its letter case and surrounding spaces', async () => {
    const fresh = await intake(api, p);
    const res = await pub('POST', `${fresh.code}/feedback`, {
      lookupKey: ` ${fresh.lookupKey.toLowerCase()} `,
      kind: 'regulation',
      content: 'Đề nghị đơn giản hóa thành phần hồ sơ',
    });
    expect(res.status).toBe(201);
  });

  it('limits requests per client address with 429, Retry-After and the API error shape', async () => {
    setNow('2026-03-05T09:00:00');
    const a = '198.51.100.7';
    const b = '198.51.100.8';
    const statuses: number[] = [];
    for (let i = 0; i < PUBLIC_RATE_LIMIT.capacity; i++) {
      // Unknown codes spend the budget too: that is what probing looks like.
      statuses.push((await pub('GET', i % 2 ? d.code : `H15.50-260302-${9000 + i}`, undefined, a)).status);
    }
    expect(statuses.every((s) => s === 200 || s === 404)).toBe(true);
    const limited = await pub('GET', d.code, undefined, a);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    expect(withoutRequestId(limited.body)).toEqual({
      statusCode: 429,
      code: 'TOO_MANY_REQUESTS',
      message: 'Quá nhiều yêu cầu tra cứu từ địa chỉ này; vui lòng thử lại sau.',
    });
    // Writes are limited by the same budget.
    const write = await pub('POST', `${d.code}/feedback`, { lookupKey: d.lookupKey, kind: 'other', content: 'x' }, a);
    expect(write.status).toBe(429);
    // Another client is not affected.
    expect((await pub('GET', d.code, undefined, b)).status).toBe(200);
    // Tokens come back with time: one every 2 seconds.
    setNow('2026-03-05T09:00:02');
    expect((await pub('GET', d.code, undefined, a)).status).toBe(200);
    expect((await pub('GET', d.code, undefined, a)).status).toBe(429);
  });

  it('keys IPv6 clients by their /64, so rotating addresses inside it does not escape the limit', async () => {
    setNow('2026-03-05T10:00:00');
    const statuses: number[] = [];
    for (let i = 0; i <= PUBLIC_RATE_LIMIT.capacity; i++) {
      statuses.push((await pub('GET', d.code, undefined, `2001:db8:1:2::${(i + 1).toString(16)}`)).status);
    }
    expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
    expect(statuses[statuses.length - 1]).toBe(429);
    expect((await pub('GET', d.code, undefined, '2001:db8:1:3::1')).status).toBe(200);
  });

  it('needs no sign-in, and staff tokens change nothing', async () => {
    const res = await api.request('GET', `/public/dossiers/${d.code}`, {
      token: p.admin,
      remoteAddress: '192.0.2.50',
    });
    expect(res.status).toBe(200);
    expect(res.body.applicant).toBeUndefined();
  });
});
