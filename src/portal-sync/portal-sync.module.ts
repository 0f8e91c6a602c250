import { Module } from '@nestjs/common';
import { PortalClient } from 'src/portal-sync/portal-client';
import { PortalSyncController } from 'src/portal-sync/portal-sync.controller';
import { PortalSyncHandler } from 'src/portal-sync/portal-sync.handler';
import { PortalSyncRepository } from 'src/portal-sync/portal-sync.repository';
import { PortalSyncService } from 'src/portal-sync/portal-sync.service';
import { PortalSyncSweepHandler } from 'src/portal-sync/portal-sync-sweep.handler';
import { PortalThrottle } from 'src/portal-sync/portal-throttle';

/** The sync to the national portal: the outbox's list and status in the API, the jobs in the worker. */
@Module({
  controllers: [PortalSyncController],
  providers: [
    PortalSyncRepository,
    PortalSyncService,
    PortalClient,
    PortalThrottle,
    PortalSyncHandler,
    PortalSyncSweepHandler,
  ],
  exports: [PortalSyncService, PortalSyncHandler, PortalSyncSweepHandler, PortalThrottle, PortalClient],
})
export class PortalSyncModule {}
