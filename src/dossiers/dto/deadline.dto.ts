import { ApiProperty } from '@nestjs/swagger';

class TimeLimitDto {
  @ApiProperty({ example: 10 }) amount!: number;
  @ApiProperty({ enum: ['working_days', 'working_hours', 'calendar_days'] }) unit!: string;
}

export class DeadlineSegmentDto {
  @ApiProperty({ example: '2026-02-13T10:00:00+07:00' }) from!: string;
  @ApiProperty({ example: '2026-02-13T11:30:00+07:00' }) to!: string;
  @ApiProperty({ example: 90, description: 'working minutes in this run (may be fractional with seconds)' })
  workingMinutes!: number;
}

export class DeadlinePauseDto {
  @ApiProperty() from!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null while the pause goes on' }) to!: string | null;
  @ApiProperty({ enum: ['awaiting_supplement', 'awaiting_payment'] }) reason!: string;
  @ApiProperty({ description: 'working minutes the pause covered (not counted)' }) workingMinutes!: number;
}

export class SkippedDayDto {
  @ApiProperty({ example: '2026-02-16', format: 'date' }) date!: string;
  @ApiProperty({ enum: ['weekend', 'holiday'] }) kind!: 'weekend' | 'holiday';
  @ApiProperty({ example: 'Tết Nguyên đán Bính Ngọ', description: '"Thứ Bảy" / "Chủ nhật" for weekends' })
  name!: string;
}

export class DeadlineExtensionDto {
  @ApiProperty() at!: string;
  @ApiProperty() newPromisedAt!: string;
  @ApiProperty() reason!: string;
}

export class DeadlineRestartDto {
  @ApiProperty({ description: 'when the complete supplement was received' }) at!: string;
  @ApiProperty({ description: 'where the whole limit started again (snapped)' }) clockStart!: string;
  @ApiProperty({ description: 'working minutes counted before the restart, no longer counted' })
  discardedWorkingMinutes!: number;
}

export class CalendarDaysRuleDto {
  @ApiProperty({ description: 'start + N × 24 h, shifted by pauses, before the snap' }) rawDueAt!: string;
  @ApiProperty({
    enum: ['none', 'end_of_working_day', 'end_of_next_working_day', 'after_resumption'],
    description:
      'none: the raw instant is in working hours; end_of_working_day / end_of_next_working_day: the snap rule; after_resumption: moved to the resumption plus the working time left',
  })
  snap!: string;
}

export class DeadlineCorrectionDto {
  @ApiProperty() at!: string;
  @ApiProperty({ description: 'the due instant the correction set (not snapped)' }) dueAt!: string;
  @ApiProperty({ description: 'the due instant before the correction' }) previousDueAt!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'the document the correction rests on' }) documentRef!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) actorUserId!: string | null;
}

export class DeadlineDto {
  @ApiProperty({ format: 'uuid' }) dossierId!: string;
  @ApiProperty() dossierCode!: string;
  @ApiProperty({ nullable: true, type: String, description: 'statutory due instant; null while paused' }) dueAt!:
    string | null;
  @ApiProperty({ nullable: true, type: String }) promisedAt!: string | null;
  @ApiProperty() clockStart!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ enum: ['in_hours', 'after_hours', 'lunch_break', 'non_working_day', 'intake_cutoff'] })
  clockStartReason!: string;
  @ApiProperty({ type: TimeLimitDto }) timeLimit!: { amount: number; unit: string };
  @ApiProperty({ nullable: true, type: Number, description: 'the limit in working minutes (null for calendar days)' })
  limitWorkingMinutes!: number | null;
  @ApiProperty({ nullable: true, type: String }) intakeCutoff!: string | null;
  @ApiProperty({ description: 'the procedure version whose rules judge the dossier' }) procedureVersion!: number;
  @ApiProperty({ description: 'the calendar version the due instant was computed with' }) calendarVersion!: number;
  @ApiProperty({ description: 'true when the computation crossed a day of a provisional calendar year' })
  provisional!: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'while paused: working minutes left to count' })
  remainingWorkingMinutes!: number | null;
  @ApiProperty({ type: [DeadlineSegmentDto], description: 'working time counted, in order' })
  segments!: DeadlineSegmentDto[];
  @ApiProperty({ type: [DeadlinePauseDto] }) pauses!: DeadlinePauseDto[];
  @ApiProperty({ type: [SkippedDayDto] }) skippedDays!: SkippedDayDto[];
  @ApiProperty({ type: [DeadlineExtensionDto] }) extensions!: DeadlineExtensionDto[];
  @ApiProperty({
    enum: ['nd61-2018', 'nd118-2025'],
    description: 'the lifecycle policy version the dossier is judged by',
  })
  policyVersion!: string;
  @ApiProperty({
    type: [DeadlineRestartDto],
    description: 'Decree 118/2025 Art. 19.5: restarts of the whole limit; the segments count from the last one',
  })
  restarts!: DeadlineRestartDto[];
  @ApiProperty({ type: [DeadlineCorrectionDto], description: "deadline corrections (leaders' tools), oldest first" })
  corrections!: DeadlineCorrectionDto[];
  @ApiProperty({ type: CalendarDaysRuleDto, nullable: true }) calendarDays!: CalendarDaysRuleDto | null;
}
