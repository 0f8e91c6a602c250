import fc from 'fast-check';
import {
  foldPortalFacts,
  judgeAt,
  mergeFacts,
  openLateAt,
  portalFactsOf,
  PortalEvent,
  startPortalFacts,
} from 'src/reports/portal-facts';

const H = 3_600_000;
const D = 24 * H;
const t0 = Date.UTC(2026, 2, 2, 1, 0); // Mon 2026-03-02 08:00 +07:00
const A = t0 + 3 * D; // the appointment

const ev = (action: string, at: number, payload?: Record<string, unknown>): PortalEvent => ({ action, at, payload });

describe('portal facts (766 indicator 2.1, the portal method)', () => {
  it('resolved on time after two supplement requests is on time (the >1 rule is for dossiers never resolved)', () => {
    const f = portalFactsOf(
      [
        ev('intake', t0),
        ev('request_supplement', t0 + D),
        ev('receive_supplement', t0 + D + H),
        ev('request_supplement', t0 + D + 2 * H),
        ev('receive_supplement', t0 + D + 3 * H),
        ev('resolve', t0 + 2 * D),
      ],
      A,
    );
    expect(f.endedLate).toBe(false);
    expect(f.requests).toBe(2);
  });

  it('refused after two supplement requests is late; open after two is late at once', () => {
    const evs = [ev('intake', t0), ev('request_supplement', t0 + H), ev('receive_supplement', t0 + 2 * H)];
    const two = [...evs, ev('request_supplement', t0 + 3 * H), ev('receive_supplement', t0 + 4 * H)];
    expect(portalFactsOf([...two, ev('reject', t0 + 5 * H)], A).endedLate).toBe(true);
    const open = portalFactsOf(two, A);
    expect(openLateAt(open, t0 + 3 * H + 1)).toBe(true);
    expect(openLateAt(open, t0 + 3 * H)).toBe(false);
  });

  it('takes the supplement ELAPSED time off the end (a weekend away counts in full)', () => {
    // Requested Fri 2026-03-06 09:00, supplemented Mon 09:00: 72 h elapsed, not 8 working hours.
    const req = Date.UTC(2026, 2, 6, 2);
    const rec = req + 3 * D;
    const appointment = req + 4 * H;
    const resolvedAt = rec + 3 * H; // end − 72 h = request + 3 h ≤ appointment (request + 4 h)
    const f = portalFactsOf(
      [ev('intake', req - D), ev('request_supplement', req), ev('receive_supplement', rec), ev('resolve', resolvedAt)],
      appointment,
    );
    expect(f.supplementMs).toBe(72 * H);
    expect(resolvedAt - 72 * H).toBeLessThanOrEqual(appointment);
    expect(f.endedLate).toBe(false);
    // Resolved 1 ms later than appointment + 72 h: late.
    const g = portalFactsOf(
      [
        ev('intake', req - D),
        ev('request_supplement', req),
        ev('receive_supplement', rec),
        ev('resolve', appointment + 72 * H + 1),
      ],
      appointment,
    );
    expect(g.endedLate).toBe(true);
  });

  it('does not pause for payment: a dossier waiting for payment past the appointment is late', () => {
    const evs = [
      ev('intake', t0),
      ev('request_payment', t0 + H, { amount: 50000 }),
      ev('confirm_payment', A + D),
      ev('resolve', A + D + H),
    ];
    const f = portalFactsOf(evs, A);
    expect(f.endedLate).toBe(true);
    expect(f.nonZeroPayments).toBe(1);
  });

  it('a pending supplement judges the dossier at the request instant', () => {
    const evs = [ev('intake', t0), ev('request_supplement', A - H)];
    const f = portalFactsOf(evs, A);
    expect(openLateAt(f, A + 10 * D)).toBe(false);
    const late = portalFactsOf([ev('intake', t0), ev('request_supplement', A + H)], A);
    expect(openLateAt(late, A + H - 1)).toBe(true); // late from A (before the request)…
    expect(openLateAt(late, A + 10 * D)).toBe(true); // …and stays late while pending
  });

  it('withdrawal or closing while a supplement is pending ends at the request instant', () => {
    const f = portalFactsOf([ev('intake', t0), ev('request_supplement', A - H), ev('close', A + 20 * D)], A);
    expect(f.endedBy).toBe('close');
    expect(f.endedLate).toBe(false);
  });

  it('returned after resolved keeps the resolved instant as the end', () => {
    const f = portalFactsOf([ev('intake', t0), ev('resolve', A - H), ev('return', A + 5 * D)], A);
    expect(f.endedAt).toBe(A - H);
    expect(f.endedLate).toBe(false);
  });

  it('folding one event at a time equals folding the whole history, and matches the direct judgement at every T', () => {
    const actions = ['request_supplement', 'receive_supplement', 'request_payment', 'confirm_payment', 'forward'];
    const enders = ['resolve', 'reject', 'stop', 'withdraw', 'close', null];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 40 * H })), { maxLength: 8 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: H, max: 10 * D }),
        fc.array(fc.integer({ min: 0, max: 30 * D }), { minLength: 5, maxLength: 5 }),
        (steps, endIdx, appointmentOffset, probes) => {
          // Valid histories only: supplement received only while one is pending.
          const evs: PortalEvent[] = [ev('intake', t0)];
          let at = t0;
          let pending = false;
          for (const [a, dt] of steps) {
            let action = actions[a];
            if (action === 'receive_supplement' && !pending) action = 'forward';
            if (action === 'request_supplement' && pending) action = 'forward';
            if (action === 'request_supplement') pending = true;
            if (action === 'receive_supplement') pending = false;
            at += dt;
            evs.push(ev(action, at, { amount: a === 2 ? dt % 2 : undefined }));
          }
          const ender = enders[endIdx];
          if (ender) evs.push(ev(ender, at + H));
          const appointment = t0 + appointmentOffset;
          let inc = startPortalFacts(appointment);
          for (const e of evs) inc = foldPortalFacts(inc, e);
          expect(inc).toEqual(portalFactsOf(evs, appointment));
          for (const p of [...probes.map((x) => t0 + x), ...evs.map((e) => e.at), ...evs.map((e) => e.at + 1)]) {
            const direct = judgeAt(evs, appointment, p);
            if (direct === null) continue; // not received yet
            const ended = inc.endedAt !== null && inc.endedAt < p;
            const viaFacts = ended ? (inc.endedLate ? 'late' : 'good') : openLateAt(inc, p) ? 'late' : 'good';
            expect(viaFacts).toBe(direct);
          }
        },
      ),
      { seed: 766, numRuns: 500 },
    );
  });

  it('merges declared facts: the latest declaration wins, other keys are ignored', () => {
    expect(mergeFacts({ digitised: false, paidOnline: true }, { digitised: true, junk: true })).toEqual({
      digitised: true,
      paidOnline: true,
    });
    expect(mergeFacts({ usedPopulationData: true }, { usedPopulationData: false })).toEqual({
      usedPopulationData: false,
    });
    expect(mergeFacts({ a: 1 }, undefined)).toEqual({ a: 1 });
  });
});
