import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { localDayStart, nextDayMorning } from '../../src/messages/message-rules';
import { MessagesRepository } from '../../src/messages/messages.repository';
import { Api, startApi } from '../support/http';
import { buildProvince, intakeBody, Province } from '../support/province';

/**
 * The batch claim (claim_citizen_messages) keeps the rules of the single one inside a batch and
 * between batches running at once: a number's daily cap counts the claims made earlier in the same
 * batch, a message is claimed by one batch only, and consent withdrawn or quiet hours are honoured.
 * No worker runs here: the rows stay queued until the test claims them.
 */
describe('claiming citizen messages in batches', () => {
  let api: Api;
  let p: Province;
  let db: DataSource;
  let repo: MessagesRepository;
  const now = new Date('2026-03-10T09:00:00+07:00');
  const claimOptions = (cap: number) => ({
    leaseMs: 60_000,
    now,
    dayStart: localDayStart(now),
    nextMorning: nextDayMorning(now),
    cap,
  });

  /** `n` dossiers whose applicant consents to SMS on `phone`: one queued `received` message each. */
  async function queued(n: number, phone: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const body = intakeBody({ notify: { sms: true } });
      (body.applicant as Record<string, unknown>).phone = phone;
      const res = await api.request('POST', '/dossiers', { token: p.tokens.clerk, body });
      expect(res.status).toBe(201);
      const [row] = await db.query(`SELECT id FROM citizen_messages WHERE dossier_id = $1`, [res.body.id]);
      ids.push(row.id);
    }
    return ids;
  }

  beforeAll(async () => {
    api = await startApi();
    api.app.get(Clock).now = () => now;
    db = api.app.get(DataSource);
    repo = api.app.get(MessagesRepository);
    p = await buildProvince(api);
  }, 120_000);
  afterAll(async () => api?.close());

  it("counts the batch's own claims against a number's daily cap", async () => {
    const ids = await queued(4, '0912000001');
    const results = await repo.claimMany(ids, claimOptions(2));
    const kinds = ids.map((id) => results.get(id)!.kind);
    expect(kinds.filter((k) => k === 'claimed')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'wait')).toHaveLength(2);
    for (const id of ids) {
      const r = results.get(id)!;
      if (r.kind === 'wait') expect(r.until).toEqual(nextDayMorning(now));
    }
    // Claimed now: a second batch finds nothing to claim, and the waiting ones still wait.
    const again = await repo.claimMany(ids, claimOptions(2));
    expect(ids.map((id) => again.get(id)!.kind).sort()).toEqual(['none', 'none', 'wait', 'wait']);
  });

  it('claims each message once when batches overlap and run at once', async () => {
    const ids = [
      ...(await queued(3, '0912000002')),
      ...(await queued(3, '0912000003')),
      ...(await queued(3, '0912000004')),
    ];
    // Three batches over overlapping, differently ordered slices, at the same time.
    const slices = [ids.slice(0, 6), [...ids.slice(3)].reverse(), [ids[8], ids[0], ids[4], ids[2], ids[6]]];
    const answers = await Promise.all(slices.map((s) => repo.claimMany(s, claimOptions(10))));
    const claimedBy = new Map<string, number>();
    for (const a of answers)
      for (const [id, r] of a) if (r.kind === 'claimed') claimedBy.set(id, (claimedBy.get(id) ?? 0) + 1);
    expect([...claimedBy.keys()].sort()).toEqual([...ids].sort());
    expect([...claimedBy.values()].every((n) => n === 1)).toBe(true);
  });

  it('skips a message whose channel was turned off, waits for the morning in quiet hours, and answers none for unknown ids', async () => {
    const [off, late] = await queued(2, '0912000005');
    await db.query(
      `UPDATE message_consents SET sms = false WHERE dossier_id = (SELECT dossier_id FROM citizen_messages WHERE id = $1)`,
      [off],
    );
    const morning = new Date('2026-03-11T07:00:00+07:00');
    await db.query(`UPDATE citizen_messages SET scheduled_for = $2 WHERE id = $1`, [late, morning]);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const r = await repo.claimMany([off, late, unknown], claimOptions(10));
    expect(r.get(off)).toEqual({ kind: 'skipped' });
    expect(r.get(late)).toEqual({ kind: 'wait', until: morning });
    expect(r.get(unknown)).toEqual({ kind: 'none' });
    const [row] = await db.query(`SELECT status, error FROM citizen_messages WHERE id = $1`, [off]);
    expect(row).toEqual({ status: 'skipped', error: 'consent withdrawn' });
  });
});
