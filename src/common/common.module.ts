import { Global, Module } from '@nestjs/common';
import { AuditService } from 'src/common/audit.service';
import { Clock } from 'src/common/clock';
import { createRootLogger, ROOT_LOGGER } from 'src/common/logger';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';

@Global()
@Module({
  providers: [
    Clock,
    AuditService,
    { provide: ROOT_LOGGER, inject: [APP_CONFIG], useFactory: (c: AppConfig) => createRootLogger(c.LOG_LEVEL) },
  ],
  exports: [Clock, AuditService, ROOT_LOGGER],
})
export class CommonModule {}
