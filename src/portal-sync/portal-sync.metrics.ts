import { Counter, Gauge } from 'prom-client';
import { within } from 'src/common/within';
import { registry } from 'src/common/metrics';

export const portalSyncTotal = new Counter({
  name: 'portal_sync_attempts_total',
  help: 'Dossier syncs to the national portal by result (synced, failed)',
  labelNames: ['result'] as const,
  registers: [registry],
});

interface OutboxFigures {
  failed: number;
  pending: number;
  backfillPending: number;
  liveLagSeconds: number;
}

let reader: (() => Promise<OutboxFigures>) | null = null;

/** Where the gauges below read the outbox at every scrape (set by PortalSyncService). */
export function readPortalSyncWith(fn: () => Promise<OutboxFigures>): void {
  reader = fn;
}

let inFlight: Promise<OutboxFigures | null> | null = null;

/**
 * The outbox's figures for one scrape: the gauges below collect concurrently (prom-client gathers
 * every metric at once), so they share one read instead of running the query once each. A scrape
 * must not fail when Postgres does: null then, and each gauge keeps its last value.
 */
function outboxFigures(): Promise<OutboxFigures | null> {
  if (!reader) return Promise.resolve(null);
  inFlight ??= reader()
    .catch(() => null)
    .finally(() => {
      inFlight = null;
    });
  return inFlight;
}

const outboxGauge = (name: string, help: string, pick: (s: OutboxFigures) => number) =>
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      const s = await outboxFigures();
      if (s) this.set(pick(s));
    },
  });

/** The failed-sync list's length ("hồ sơ đồng bộ lỗi"): alert when it grows. */
export const portalSyncFailed = outboxGauge(
  'portal_sync_failed_dossiers',
  'Dossiers whose last sync to the national portal failed (the failed-sync list)',
  (s) => s.failed,
);

export const portalSyncPending = outboxGauge(
  'portal_sync_pending_dossiers',
  'Dossiers with changes not yet accepted by the national portal',
  (s) => s.pending,
);

/** The backlog of imported history (sent at PORTAL_SYNC_DOSSIERS_PER_SECOND, after live changes). */
export const portalSyncBackfillPending = outboxGauge(
  'portal_sync_backfill_pending_dossiers',
  'Dossiers waiting for the national portal with imported history (sent after live changes)',
  (s) => s.backfillPending,
);

/** How long the oldest live change has waited for the portal (0 when none waits): alert when it grows. */
export const portalSyncLiveLag = outboxGauge(
  'portal_sync_live_lag_seconds',
  'Age of the oldest live change not yet accepted by the national portal (0: none waiting)',
  (s) => s.liveLagSeconds,
);

/** Answers of the portal asking us to slow down (HTTP 429, or 503): each pauses the whole sync. */
export const portalSyncThrottled = new Counter({
  name: 'portal_sync_throttled_total',
  help: 'Answers of the national portal asking to slow down (HTTP 429 or 503), each pausing the whole sync',
  labelNames: ['status'] as const,
  registers: [registry],
});

let pauseReader: (() => Promise<number>) | null = null;
/** How long a scrape waits for the pause's Redis key. */
const PAUSE_READ_TIMEOUT_MS = 1000;

/** Where the gauge below reads the pause at every scrape (set by PortalThrottle). */
export function readPortalPauseWith(fn: () => Promise<number>): void {
  pauseReader = fn;
}

/** What is left of the pause the portal asked for (Redis's, shared by every worker): 0 when none. */
export const portalSyncPaused = new Gauge({
  name: 'portal_sync_paused_seconds',
  help: 'Seconds left of the pause the national portal asked for with 429/503 and Retry-After (0: not paused)',
  registers: [registry],
  async collect() {
    // Bounded: a Redis that does not answer must not hold the scrape (the gauge keeps its last value).
    const ms = pauseReader ? await within(pauseReader(), PAUSE_READ_TIMEOUT_MS).catch(() => null) : null;
    if (ms !== null) this.set(Math.ceil(ms / 100) / 10);
  },
});
