import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { DeadlineService } from 'src/dossiers/deadline.service';
import { MessagesOutboxModule } from 'src/messages/messages-outbox.module';
import { UnitsService } from 'src/catalogue/units.service';
import { DocumentsService } from 'src/dossiers/documents/documents.service';
import { ReceiptService } from 'src/dossiers/documents/receipt.service';
import { DossiersController } from 'src/dossiers/dossiers.controller';
import { DossiersRepository } from 'src/dossiers/dossiers.repository';
import { DossiersService } from 'src/dossiers/dossiers.service';
import { ImportService } from 'src/dossiers/import.service';
import { ImportsController } from 'src/dossiers/imports.controller';
import { ProcedureRulesService } from 'src/dossiers/procedure-rules.service';
import { RecomputeHandler } from 'src/dossiers/recompute.handler';
import { RejudgementController } from 'src/dossiers/rejudgement.controller';
import { RejudgementService } from 'src/dossiers/rejudgement.service';
import { CalendarService } from 'src/calendar/calendar.service';
import { QueueService } from 'src/jobs/queue.service';
import { ROOT_LOGGER } from 'src/common/logger';
import type { Logger } from 'pino';

@Module({
  imports: [MessagesOutboxModule],
  controllers: [DossiersController, ImportsController, RejudgementController],
  providers: [
    DossiersRepository,
    DossiersService,
    ProcedureRulesService,
    ImportService,
    RecomputeHandler,
    RejudgementService,
    DocumentsService,
    ReceiptService,
    DeadlineService,
  ],
  exports: [
    DossiersService,
    DossiersRepository,
    ProcedureRulesService,
    RecomputeHandler,
    RejudgementService,
    DocumentsService,
    ReceiptService,
    DeadlineService,
  ],
})
export class DossiersModule implements OnModuleInit {
  constructor(
    private readonly units: UnitsService,
    private readonly repo: DossiersRepository,
    private readonly calendars: CalendarService,
    private readonly queues: QueueService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // A unit named by a dossier (receiving, handling or a step's unit) cannot be deleted, only deactivated.
    this.units.registerUsageCheck({
      key: 'dossiers',
      label: 'hồ sơ',
      count: async (unitId) => ((await this.repo.hasDossiersOfUnit(unitId)) ? 1 : 0),
    });
    // A calendar edit recomputes the open dossiers in the worker; if Redis is down now, the
    // periodic recompute sweep finds them by their calendar_version.
    // Not awaited: the edit's response never waits for Redis.
    this.calendars.onChange((change) => {
      this.queues
        .enqueue('dossiers.recompute', { calendarVersion: change.version }, `recompute-v${change.version}`)
        .catch((err: unknown) =>
          this.logger.warn(
            { err: (err as Error).message, calendarVersion: change.version },
            'recompute not enqueued; the sweep will run it',
          ),
        );
    });
  }
}
