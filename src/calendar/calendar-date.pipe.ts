import { Injectable, PipeTransform } from '@nestjs/common';
import { CALENDAR_MESSAGES as M } from 'src/calendar/calendar.messages';
import { isRealDate } from 'src/calendar/calendar-rules';
import { DomainError } from 'src/common/domain-error';

/** A YYYY-MM-DD path segment; anything else is 400 VALIDATION_FAILED on `date`. */
@Injectable()
export class CalendarDatePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isRealDate(value))
      throw new DomainError('VALIDATION_FAILED', M.invalid, [{ field: 'date', message: M.dateFormat }]);
    return value;
  }
}
