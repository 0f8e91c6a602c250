/**
 * What the national portal's 766 computation reads from one dossier (docs/index-766.md), folded from
 * the dossier's events by this module alone, independently of the lifecycle's legal clock (the
 * decree's pauses or restarts do not change the portal's method). Pure: no Nest, no database.
 *
 * Indicator 2.1 (progress), the portal's method:
 * - the appointment (NgayHenTra) is the statutory due instant given at intake (reception snapped to
 *   working time + the procedure's limit); extensions do not move it;
 * - the end of processing is the instant of the ending status: resolved (preferred over returned),
 *   refused, stopped, withdrawn, closed; an open dossier is judged at the end of the period;
 * - every supplement's ELAPSED time (request → supplement received, or → the end while the citizen
 *   has not come back) is taken off the end; payment waits are not;
 * - more than one supplement request is late for a dossier with no resolved/returned status.
 * So an open dossier judged at instant T is late when it has had two requests or more, or when
 * T − supplement time > appointment (while a supplement is pending that is: request instant −
 * earlier supplement time > appointment, constant until the citizen comes back).
 *
 * The fold keeps, for open dossiers, the instants at which that judgement changes as intervals
 * (a, b]: "late if judged at T with a < T ≤ b" (b null: until further events). The report
 * summaries count +1 on a's local day and −1 on b's, as they do for every other running count.
 */

/** Actions that end processing for the portal (closed: Decree 118's "Đóng hồ sơ", code 8, like stopped). */
export const PORTAL_ENDING_ACTIONS = ['resolve', 'reject', 'stop', 'withdraw', 'close'] as const;

/** Facts the index reads besides 2.1, recorded where they happen (intake, steps, payment, result). */
export const DOSSIER_FACT_KEYS = [
  'digitised',
  'reusedDigitisedData',
  'linkedToPersonalDataStore',
  'usedPopulationData',
  'eCertifiedCopies',
] as const;
export type DossierFactKey = (typeof DOSSIER_FACT_KEYS)[number];

export interface PortalFacts {
  /** The appointment (NgayHenTra), epoch ms. */
  appointmentAt: number;
  /** Supplement requests so far. */
  requests: number;
  /** The pending supplement request's instant (the citizen has not come back), else null. */
  pendingSince: number | null;
  /** Elapsed time of the completed supplements, ms. */
  supplementMs: number;
  /** Processing ended (the portal's end instant before supplement time is taken off), else null. */
  endedAt: number | null;
  /** The ending action (resolve, reject, stop, withdraw, close), else null. */
  endedBy: string | null;
  /** Ended dossiers: late by the portal's method. */
  endedLate: boolean | null;
  /** Open-late intervals [a, b] (judged at T: late when a < T ≤ b); b null = still open. */
  openLate: [number, number | null][];
  /** Payment requests and how many of them were for a non-zero amount (3.6 "all fees 0"). */
  paymentRequests: number;
  nonZeroPayments: number;
}

export interface PortalEvent {
  action: string;
  at: number;
  payload?: Record<string, unknown>;
}

/** The facts right after intake. */
export function startPortalFacts(appointmentAt: number): PortalFacts {
  return {
    appointmentAt,
    requests: 0,
    pendingSince: null,
    supplementMs: 0,
    endedAt: null,
    endedBy: null,
    endedLate: null,
    openLate: [],
    paymentRequests: 0,
    nonZeroPayments: 0,
  };
}

/** From when an open dossier in state `f`, after an event at `t`, is late if judged later (null: never). */
function lateFrom(f: PortalFacts, t: number): number | null {
  if (f.requests > 1) return t;
  if (f.pendingSince !== null) return f.pendingSince - f.supplementMs > f.appointmentAt ? t : null;
  return Math.max(t, f.appointmentAt + f.supplementMs);
}

/** Applies one event (events in time order). Unknown or irrelevant actions leave the facts as they are. */
export function foldPortalFacts(prev: PortalFacts, e: PortalEvent): PortalFacts {
  if (prev.endedAt !== null) return prev; // returned after resolved: the resolved instant stays the end
  const f: PortalFacts = { ...prev, openLate: prev.openLate.map((i) => [i[0], i[1]] as [number, number | null]) };
  switch (e.action) {
    case 'intake':
      f.openLate = [];
      pushLate(f, lateFrom(f, e.at));
      return f;
    case 'request_supplement':
      f.requests += 1;
      if (f.pendingSince === null) f.pendingSince = e.at;
      break;
    case 'receive_supplement':
      if (f.pendingSince !== null) f.supplementMs += Math.max(0, e.at - f.pendingSince);
      f.pendingSince = null;
      break;
    case 'request_payment': {
      f.paymentRequests += 1;
      const amount = Number(e.payload?.amount ?? 0);
      if (amount > 0) f.nonZeroPayments += 1;
      return f; // the portal does not pause for payment: the judgement does not change
    }
    default:
      if (!(PORTAL_ENDING_ACTIONS as readonly string[]).includes(e.action)) return f;
  }
  closeLate(f, e.at);
  if ((PORTAL_ENDING_ACTIONS as readonly string[]).includes(e.action)) {
    f.endedAt = e.at;
    f.endedBy = e.action;
    const pending = f.pendingSince !== null ? e.at - f.pendingSince : 0;
    const end = e.at - f.supplementMs - pending;
    f.endedLate = (e.action !== 'resolve' && f.requests > 1) || end > f.appointmentAt;
    return f;
  }
  pushLate(f, lateFrom(f, e.at));
  return f;
}

function closeLate(f: PortalFacts, at: number): void {
  const last = f.openLate[f.openLate.length - 1];
  if (!last || last[1] !== null) return;
  if (last[0] < at) last[1] = at;
  else f.openLate.pop();
}

function pushLate(f: PortalFacts, from: number | null): void {
  if (from === null) return;
  const last = f.openLate[f.openLate.length - 1];
  if (last && last[1] === from) last[1] = null;
  else f.openLate.push([from, null]);
}

/** The facts of a whole history (the first event is the intake). */
export function portalFactsOf(events: PortalEvent[], appointmentAt: number): PortalFacts {
  let f = startPortalFacts(appointmentAt);
  for (const e of events) f = foldPortalFacts(f, e);
  return f;
}

/**
 * Judges a dossier at instant T as the portal does (the reference the summaries are checked
 * against in the unit spec): 'late' / 'good' for 2.1, or null when not yet received.
 */
export function judgeAt(events: PortalEvent[], appointmentAt: number, T: number): 'good' | 'late' | null {
  const seen = events.filter((e) => e.at < T);
  if (seen.length === 0) return null;
  let requests = 0;
  let pending: number | null = null;
  let supp = 0;
  for (const e of seen) {
    if (e.action === 'request_supplement') {
      requests++;
      pending ??= e.at;
    } else if (e.action === 'receive_supplement' && pending !== null) {
      supp += e.at - pending;
      pending = null;
    } else if ((PORTAL_ENDING_ACTIONS as readonly string[]).includes(e.action)) {
      const end = e.at - supp - (pending !== null ? e.at - pending : 0);
      return (e.action !== 'resolve' && requests > 1) || end > appointmentAt ? 'late' : 'good';
    }
  }
  if (requests > 1) return 'late';
  const end = (pending ?? T) - supp;
  return end > appointmentAt ? 'late' : 'good';
}

/** Whether the open-late intervals say "late at T" (for an open dossier). */
export function openLateAt(f: PortalFacts, T: number): boolean {
  return f.openLate.some(([a, b]) => a < T && (b === null || T <= b));
}

/**
 * The index facts a dossier's events declare (intake flags, then `flags` of later actions: the
 * latest declaration of a fact wins), merged over the intake's.
 */
export function mergeFacts(
  flags: Record<string, unknown>,
  declared: Record<string, unknown> | undefined | null,
): Record<string, unknown> {
  if (!declared || typeof declared !== 'object') return flags;
  const out = { ...flags };
  for (const k of DOSSIER_FACT_KEYS) if (typeof declared[k] === 'boolean') out[k] = declared[k];
  return out;
}
