import { Counter, Gauge } from 'prom-client';
import { registry } from 'src/common/metrics';

export const portalSyncTotal = new Counter({
  name: 'portal_sync_attempts_total',
  help: 'Dossier syncs to the national portal by result (synced, failed)',
  labelNames: ['result'] as const,
  registers: [registry],
});

/** The failed-sync list's length ("hồ sơ đồng bộ lỗi"): alert when it grows. */
export const portalSyncFailed = new Gauge({
  name: 'portal_sync_failed_dossiers',
  help: 'Dossiers whose last sync to the national portal failed (the failed-sync list)',
  registers: [registry],
});

export const portalSyncPending = new Gauge({
  name: 'portal_sync_pending_dossiers',
  help: 'Dossiers with changes not yet accepted by the national portal',
  registers: [registry],
});
