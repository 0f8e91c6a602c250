import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ListQueryDto } from 'src/auth/dto/auth.dto';
import { ISO_INSTANT_PATTERN } from 'src/common/time';
import { IsDecimalNumber } from 'src/common/validation';
import { STATUSES } from 'src/dossiers/lifecycle';
import { NotifyDto } from 'src/messages/dto/messages.dto';

export const CHANNELS = ['direct', 'online', 'postal'] as const;
export const APPLICANT_KINDS = ['citizen', 'business', 'agency', 'organisation'] as const;

export class ApplicantDto {
  @ApiProperty({ enum: APPLICANT_KINDS }) @IsIn(APPLICANT_KINDS) kind!: (typeof APPLICANT_KINDS)[number];
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(200) fullName!: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,30}$/, { message: 'idNumber: letters, digits or -' })
  idNumber?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^\+?[0-9 .-]{6,20}$/, { message: 'phone: 6-20 digits' })
  phone?: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() @MaxLength(200) email?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(500) address?: string;
}

/** Facts about a dossier used by the performance index (Decision 766). */
export class DossierFlagsDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() digitised?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() paidOnline?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() usedPopulationData?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() eCertifiedCopies?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() reusedDigitisedData?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() linkedToPersonalDataStore?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() syncedToNationalPortal?: boolean;
}

export class IntakeDto {
  @ApiProperty({ example: '1.004227' }) @IsString() @IsNotEmpty() @MaxLength(60) procedureCode!: string;
  @ApiProperty({ example: 'H15.50' }) @IsString() @IsNotEmpty() @MaxLength(40) receivingUnitCode!: string;
  @ApiProperty({ enum: CHANNELS }) @IsIn(CHANNELS) channel!: (typeof CHANNELS)[number];
  @ApiProperty({ type: ApplicantDto }) @IsObject() @ValidateNested() @Type(() => ApplicantDto) applicant!: ApplicantDto;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) summary?: string;
  @ApiPropertyOptional({ type: DossierFlagsDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DossierFlagsDto)
  flags?: DossierFlagsDto;
  @ApiPropertyOptional({
    type: NotifyDto,
    description:
      'the applicant’s consent to messages at the dossier’s milestones (absent: none); sms and zalo need a Vietnamese mobile applicant.phone, email an applicant.email',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => NotifyDto)
  notify?: NotifyDto;
}

class ActionBase {
  @ApiProperty({ description: 'The dossier version the client saw (409 VERSION_CONFLICT otherwise)' })
  @IsInt()
  @Min(1)
  expectedVersion!: number;
}

/**
 * The per-dossier facts of the 766 index, recorded where they happen (docs/index-766.md): an
 * action that names a fact sets it (true) or clears it (false); the latest declaration wins.
 */
class FactsActionBase extends ActionBase {
  @ApiPropertyOptional({ description: '766 4.2: a file of the dossier components was digitised' })
  @IsOptional()
  @IsBoolean()
  digitised?: boolean;
  @ApiPropertyOptional({ description: '766 4.3: a component reuses digitised data' })
  @IsOptional()
  @IsBoolean()
  reusedDigitisedData?: boolean;
  @ApiPropertyOptional({ description: "766 4.4: a component or the result's link is in the personal data store" })
  @IsOptional()
  @IsBoolean()
  linkedToPersonalDataStore?: boolean;
  @ApiPropertyOptional({ description: '766 4.5: data of the national population database was used' })
  @IsOptional()
  @IsBoolean()
  usedPopulationData?: boolean;
  @ApiPropertyOptional({ description: 'electronically certified copies were used' })
  @IsOptional()
  @IsBoolean()
  eCertifiedCopies?: boolean;
}

export class ForwardDto extends FactsActionBase {
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(99) toStepIndex?: number;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() assigneeUserId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) note?: string;
}
export class RequestSupplementDto extends ActionBase {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) reason!: string;
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(500, { each: true })
  items!: string[];
}
export class NoteDto extends ActionBase {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) note?: string;
}
export class ReceiveSupplementDto extends FactsActionBase {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) note?: string;
}
export class RequestPaymentDto extends ActionBase {
  @ApiProperty({ description: 'VND, ≥ 0 (0 = the fee is waived)', minimum: 0 })
  @IsDecimalNumber(0)
  @Min(0)
  @Max(1e13)
  amount!: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) note?: string;
}
export class ConfirmPaymentDto extends FactsActionBase {
  @ApiProperty() @IsBoolean() paidOnline!: boolean;
}
export class ExtendDto extends ActionBase {
  @ApiProperty({ example: '2026-03-10T17:00:00+07:00' })
  @IsString()
  @Matches(ISO_INSTANT_PATTERN, { message: 'newPromisedAt must be an ISO-8601 instant with an offset' })
  newPromisedAt!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) reason!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(40) responsibleUnitCode!: string;
}
export class ResolveDto extends FactsActionBase {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) resultSummary!: string;
  @ApiProperty() @IsBoolean() electronicResult!: boolean;
  @ApiPropertyOptional({
    description: "link to the electronic result's file (766 4.1 counts an electronic result only with it)",
    example: 'https://ketqua.example.gov.vn/H15.50-260213-0007.pdf',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(/^https?:\/\/\S+$/, { message: 'resultFileUrl must be an http(s) URL' })
  resultFileUrl?: string;
}
export class ReasonDto extends ActionBase {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) reason!: string;
}
export class OptionalReasonDto extends ActionBase {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) reason?: string;
}

// Leaders' tools.
export class CommentDto extends ActionBase {
  @ApiProperty({ description: 'the directive comment (ý kiến chỉ đạo)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  text!: string;
}
export class ReassignDto extends ActionBase {
  @ApiProperty({ format: 'uuid', description: 'an active officer of the current step unit' })
  @IsUUID()
  assigneeUserId!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) reason!: string;
}
export class CorrectDeadlineDto extends ActionBase {
  @ApiProperty({
    example: '2026-03-20T17:00:00+07:00',
    description: 'the corrected statutory due instant (not snapped)',
  })
  @IsString()
  @Matches(ISO_INSTANT_PATTERN, { message: 'dueAt must be an ISO-8601 instant with an offset' })
  dueAt!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(2000) reason!: string;
  @ApiProperty({ description: 'the document the correction rests on (number and date)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  documentRef!: string;
}

/** The payload class of each live action, for validation by action name. */
export const ACTION_DTOS = {
  forward: ForwardDto,
  request_supplement: RequestSupplementDto,
  receive_supplement: ReceiveSupplementDto,
  request_payment: RequestPaymentDto,
  confirm_payment: ConfirmPaymentDto,
  extend: ExtendDto,
  resolve: ResolveDto,
  return: NoteDto,
  reject: ReasonDto,
  stop: ReasonDto,
  withdraw: OptionalReasonDto,
  close: OptionalReasonDto,
  comment: CommentDto,
  reassign: ReassignDto,
  recall: ReasonDto,
  correct_deadline: CorrectDeadlineDto,
} as const;

const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

export class ListDossiersQuery extends ListQueryDto {
  @ApiPropertyOptional({ description: 'one status or several, comma-separated', enum: STATUSES })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @IsIn(STATUSES, { each: true })
  status?: string[];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) unitCode?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(60) procedureCode?: string;
  @ApiPropertyOptional({ enum: ['overdue', 'within'] }) @IsOptional() @IsIn(['overdue', 'within']) timeliness?:
    'overdue' | 'within';
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ISO_INSTANT_PATTERN, { message: 'receivedFrom must be an ISO-8601 instant with an offset' })
  receivedFrom?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(ISO_INSTANT_PATTERN, { message: 'receivedTo must be an ISO-8601 instant with an offset' })
  receivedTo?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(80) code?: string;
}

export class CurrentStepDto {
  @ApiProperty() index!: number;
  @ApiProperty() name!: string;
  @ApiProperty() unitCode!: string;
  @ApiProperty({ nullable: true, type: String }) assigneeUserId!: string | null;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ nullable: true, type: String, description: 'null while paused' }) dueAt!: string | null;
}

export class BreachDto {
  @ApiProperty({ enum: ['late_supplement_request'] }) rule!: string;
  @ApiProperty() at!: string;
  @ApiProperty({ nullable: true, type: String, description: 'who made the late request' }) actorUserId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'unit of the step that made it' }) unitCode!: string | null;
}

export class DossierDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'H15.50-260213-0007' }) code!: string;
  @ApiProperty() procedureCode!: string;
  @ApiProperty() procedureVersion!: number;
  @ApiProperty() receivingUnitCode!: string;
  @ApiProperty({ enum: CHANNELS }) channel!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty() statusLabel!: string;
  @ApiProperty() portalStatusCode!: number;
  @ApiProperty() version!: number;
  @ApiProperty() receivedAt!: string;
  @ApiProperty() clockStart!: string;
  @ApiProperty({ nullable: true, type: String, description: 'statutory due instant; null while the clock is paused' })
  dueAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) promisedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) endedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) returnedAt!: string | null;
  @ApiProperty({ nullable: true, enum: ['early', 'on_time', 'late'] }) outcome!: string | null;
  @ApiProperty({ nullable: true, enum: ['within', 'overdue'] }) timeliness!: string | null;
  @ApiProperty() pausedWorkingMinutes!: number;
  @ApiProperty() usedWorkingMinutes!: number;
  @ApiProperty() remainingWorkingMinutes!: number;
  @ApiProperty() supplementCount!: number;
  @ApiProperty() extensionCount!: number;
  @ApiProperty({
    enum: ['nd61-2018', 'nd118-2025'],
    description: 'the lifecycle policy version the dossier is judged by (chosen by its reception instant)',
  })
  policyVersion!: string;
  @ApiProperty({ type: [BreachDto], description: 'rules broken but allowed (Decree 118: a late supplement request)' })
  breaches!: BreachDto[];
  @ApiProperty({
    description: 'true when the due instant was computed across a calendar year whose plan is not confirmed',
  })
  calendarProvisional!: boolean;
  @ApiProperty({ type: CurrentStepDto, nullable: true }) currentStep!: CurrentStepDto | null;
  @ApiProperty({ type: ApplicantDto }) applicant!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) summary!: string | null;
  @ApiProperty({ type: DossierFlagsDto }) flags!: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'only in the intake response: the applicant key for lookup and rating' })
  lookupKey?: string;
}

export class DossierEventDto {
  @ApiProperty() seq!: number;
  @ApiProperty() action!: string;
  @ApiProperty() at!: string;
  @ApiProperty({ nullable: true, type: String }) actorUserId!: string | null;
  @ApiProperty({ nullable: true, type: String }) fromStatus!: string | null;
  @ApiProperty() toStatus!: string;
  @ApiProperty({ type: Object }) payload!: Record<string, unknown>;
  @ApiPropertyOptional({ nullable: true, type: String }) externalId?: string | null;
}

export class ControlSlipRowDto {
  @ApiProperty() stepIndex!: number;
  @ApiProperty() name!: string;
  @ApiProperty() fromUnitCode!: string;
  @ApiProperty() toUnitCode!: string;
  @ApiProperty({ nullable: true, type: String }) fromUserId!: string | null;
  @ApiProperty({ nullable: true, type: String }) toUserId!: string | null;
  @ApiProperty() handedOverAt!: string;
  @ApiProperty({ nullable: true, type: String }) dueAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty({ nullable: true, enum: ['early', 'on_time', 'late'] }) result!: string | null;
}
