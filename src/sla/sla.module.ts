import { Module } from '@nestjs/common';
import { PublicModule } from 'src/public/public.module';
import { AlertsRepository } from 'src/sla/alerts.repository';
import { AlertsService } from 'src/sla/alerts.service';
import { SlaScanHandler } from 'src/sla/sla-scan.handler';
import { SlaScanRepository } from 'src/sla/sla-scan.repository';
import { SlaScanService } from 'src/sla/sla-scan.service';
import { SlaController } from 'src/sla/sla.controller';

@Module({
  imports: [PublicModule],
  controllers: [SlaController],
  providers: [SlaScanRepository, SlaScanService, AlertsRepository, AlertsService, SlaScanHandler],
  exports: [SlaScanService, SlaScanHandler, AlertsService],
})
export class SlaModule {}
