import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from 'src/auth/auth.module';
import { CalendarModule } from 'src/calendar/calendar.module';
import { CalendarMaintainHandler } from 'src/calendar/calendar-maintain.handler';
import { CatalogueModule } from 'src/catalogue/catalogue.module';
import { DossiersModule } from 'src/dossiers/dossiers.module';
import { RecomputeHandler } from 'src/dossiers/recompute.handler';
import { SlaScanHandler } from 'src/sla/sla-scan.handler';
import { SlaModule } from 'src/sla/sla.module';
import { DeliverHandler } from 'src/sla/delivery/deliver.handler';
import { DeliveriesSweepHandler } from 'src/sla/delivery/deliveries-sweep.handler';
import { DeliveryModule } from 'src/sla/delivery/delivery.module';
import { CommonModule } from 'src/common/common.module';
import { ConfigModule } from 'src/config/config.module';
import { DatabaseModule } from 'src/database/database.module';
import { PartitionsMaintainHandler } from 'src/database/partitions-maintain.handler';
import { PartitionsRepository } from 'src/database/partitions.repository';
import { JOB_HANDLERS, JobHandler } from 'src/jobs/job-handler';
import { JobMetrics } from 'src/jobs/job-metrics';
import { JobsModule } from 'src/jobs/jobs.module';
import { MessagesModule } from 'src/messages/messages.module';
import { MessagesSweepHandler } from 'src/messages/messages-sweep.handler';
import { SendMessageHandler } from 'src/messages/send-message.handler';
import { ProbeHandler } from 'src/jobs/probe.handler';
import { TickScheduler } from 'src/jobs/tick-scheduler.service';
import { WorkerService } from 'src/jobs/worker.service';
import { ReportsCompactHandler } from 'src/reports/reports-compact.handler';
import { ReportsModule } from 'src/reports/reports.module';
import { PortalSyncHandler } from 'src/portal-sync/portal-sync.handler';
import { PortalSyncModule } from 'src/portal-sync/portal-sync.module';
import { PortalSyncSweepHandler } from 'src/portal-sync/portal-sync-sweep.handler';
import { PortalLiveDispatcher } from 'src/portal-sync/portal-live.dispatcher';

const HANDLERS = [
  ProbeHandler,
  CalendarMaintainHandler,
  RecomputeHandler,
  SlaScanHandler,
  DeliverHandler,
  DeliveriesSweepHandler,
  ReportsCompactHandler,
  SendMessageHandler,
  MessagesSweepHandler,
  PortalSyncHandler,
  PortalSyncSweepHandler,
  PartitionsMaintainHandler,
];

/** The worker process: BullMQ processors and the periodic triggers that enqueue their jobs. */
@Module({
  imports: [
    ConfigModule,
    CommonModule,
    DatabaseModule.forRoot('worker'),
    JobsModule,
    ScheduleModule.forRoot(),
    AuthModule,
    CalendarModule,
    CatalogueModule,
    DossiersModule,
    SlaModule,
    DeliveryModule,
    ReportsModule,
    MessagesModule,
    PortalSyncModule,
  ],
  providers: [
    ProbeHandler,
    PartitionsRepository,
    PartitionsMaintainHandler,
    { provide: JOB_HANDLERS, inject: HANDLERS, useFactory: (...h: JobHandler[]) => h },
    JobMetrics,
    WorkerService,
    TickScheduler,
    PortalLiveDispatcher,
  ],
})
export class WorkerModule {}
