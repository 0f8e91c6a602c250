import { Global, Module } from '@nestjs/common';
import { CalendarController } from 'src/calendar/calendar.controller';
import { CalendarRepository } from 'src/calendar/calendar.repository';
import { CalendarService } from 'src/calendar/calendar.service';
import { CalendarMaintainHandler } from 'src/calendar/calendar-maintain.handler';

/**
 * The working-time calendar: storage, edits, endpoints, and CalendarService (global, so the
 * dossier lifecycle, the SLA scan and reports inject it without importing this module).
 */
@Global()
@Module({
  controllers: [CalendarController],
  providers: [CalendarRepository, CalendarService, CalendarMaintainHandler],
  exports: [CalendarService, CalendarMaintainHandler],
})
export class CalendarModule {}
