import { registry } from 'src/common/metrics';
import { readPortalSyncWith } from 'src/portal-sync/portal-sync.metrics';

describe('portal sync gauges', () => {
  it('read the outbox once per scrape, shared by the four gauges, and keep their values when it fails', async () => {
    let reads = 0;
    let fail = false;
    readPortalSyncWith(async () => {
      reads++;
      if (fail) throw new Error('database down');
      return { failed: 3, pending: 7, backfillPending: 2, liveLagSeconds: 41 };
    });
    const scrape = async () => {
      const text = await registry.metrics();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      return ['failed_dossiers', 'pending_dossiers', 'backfill_pending_dossiers', 'live_lag_seconds'].map((m) =>
        value(`portal_sync_${m}`),
      );
    };
    expect(await scrape()).toEqual([3, 7, 2, 41]);
    expect(reads).toBe(1);
    fail = true;
    expect(await scrape()).toEqual([3, 7, 2, 41]);
    expect(reads).toBe(2);
  });
});
