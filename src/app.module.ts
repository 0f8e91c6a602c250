import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule } from 'src/auth/auth.module';
import { CalendarModule } from 'src/calendar/calendar.module';
import { CatalogueModule } from 'src/catalogue/catalogue.module';
import { CommonModule } from 'src/common/common.module';
import { GlobalErrorFilter } from 'src/common/error.filter';
import { ConfigModule } from 'src/config/config.module';
import { DatabaseModule } from 'src/database/database.module';
import { DossiersModule } from 'src/dossiers/dossiers.module';
import { HealthModule } from 'src/health/health.module';
import { JobsModule } from 'src/jobs/jobs.module';
import { MessagesModule } from 'src/messages/messages.module';
import { PublicModule } from 'src/public/public.module';
import { ReportsModule } from 'src/reports/reports.module';
import { ConsoleModule } from 'src/console/console.module';
import { SlaModule } from 'src/sla/sla.module';
import { DeliveryModule } from 'src/sla/delivery/delivery.module';
import { WebhooksModule } from 'src/sla/webhooks/webhooks.module';
import { TransparencyModule } from 'src/transparency/transparency.module';
import { IntegrationsModule } from 'src/integrations/integrations.module';
import { PortalSyncModule } from 'src/portal-sync/portal-sync.module';

/** The HTTP API process. */
@Module({
  imports: [
    ConfigModule,
    CommonModule,
    DatabaseModule.forRoot('api'),
    JobsModule,
    AuthModule,
    CalendarModule,
    CatalogueModule,
    HealthModule,
    DossiersModule,
    SlaModule,
    PublicModule,
    DeliveryModule,
    WebhooksModule,
    ReportsModule,
    ConsoleModule,
    TransparencyModule,
    MessagesModule,
    IntegrationsModule,
    PortalSyncModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: GlobalErrorFilter }],
})
export class AppModule {}
