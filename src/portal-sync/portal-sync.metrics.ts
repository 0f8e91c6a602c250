import { Counter, Gauge } from 'prom-client';
import { registry } from 'src/common/metrics';

export const portalSyncTotal = new Counter({
  name: 'portal_sync_attempts_total',
  help: 'Dossier syncs to the national portal by result (synced, failed)',
  labelNames: ['result'] as const,
  registers: [registry],
});

let reader: (() => Promise<{ failed: number; pending: number }>) | null = null;

/** Where the gauges below read the outbox at every scrape (set by PortalSyncService). */
export function readPortalSyncWith(fn: () => Promise<{ failed: number; pending: number }>): void {
  reader = fn;
}

/** The failed-sync list's length ("hồ sơ đồng bộ lỗi"): alert when it grows. */
export const portalSyncFailed = new Gauge({
  name: 'portal_sync_failed_dossiers',
  help: 'Dossiers whose last sync to the national portal failed (the failed-sync list)',
  registers: [registry],
  async collect() {
    // A scrape must not fail when Postgres does: the gauge keeps its last value.
    const s = reader ? await reader().catch(() => null) : null;
    if (s) this.set(s.failed);
  },
});

export const portalSyncPending = new Gauge({
  name: 'portal_sync_pending_dossiers',
  help: 'Dossiers with changes not yet accepted by the national portal',
  registers: [registry],
  async collect() {
    const s = reader ? await reader().catch(() => null) : null;
    if (s) this.set(s.pending);
  },
});
