import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DATE_PATTERN } from 'src/common/time';
import { MESSAGE_CHANNELS, MILESTONES } from 'src/messages/milestones';

/** The applicant's consent to be messaged, per channel (absent channels are false). */
export class NotifyDto {
  @ApiPropertyOptional({ default: false, description: 'SMS brandname to the applicant’s mobile number' })
  @IsOptional()
  @IsBoolean()
  sms?: boolean;

  @ApiPropertyOptional({
    default: false,
    description: 'Zalo ZNS to the applicant’s mobile number (SMS when Zalo cannot deliver)',
  })
  @IsOptional()
  @IsBoolean()
  zalo?: boolean;

  @ApiPropertyOptional({ default: false, description: 'e-mail to the applicant’s address' })
  @IsOptional()
  @IsBoolean()
  email?: boolean;
}

export const MESSAGE_STATUSES = ['queued', 'sent', 'delivered', 'failed', 'skipped'] as const;

export class MessageDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: MILESTONES }) milestone!: string;
  @ApiProperty({ enum: MESSAGE_CHANNELS }) channel!: string;
  @ApiProperty({ enum: MESSAGE_STATUSES }) status!: string;
  @ApiProperty({
    example: '0912…678',
    description: 'masked: first four and last three digits (e-mail: first letters and domain)',
  })
  to!: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'SMS segments billed (1 for Zalo and e-mail); null until sent',
  })
  segments!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'cost in VND; null until sent' }) costVnd!: number | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'not before this instant (quiet hours 21:00–07:00, daily cap)',
  })
  scheduledFor!: string | null;
  @ApiProperty({ nullable: true, type: String }) sentAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) deliveredAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'the last failure (a provider code, never personal data)' })
  error!: string | null;
  @ApiProperty({ description: 'tries so far' }) attempts!: number;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'the Zalo message this SMS replaces' })
  fallbackOf!: string | null;
  @ApiProperty({ description: 'version of config/messages/templates.json used' }) templateVersion!: string;
}

export class MessageListDto {
  @ApiProperty({ type: [MessageDto] }) items!: MessageDto[];
}

export class ChangeNotificationsDto {
  @ApiProperty({ description: 'the lookup key printed on the receipt' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  lookupKey!: string;

  @ApiPropertyOptional({ description: 'false stops SMS' }) @IsOptional() @IsBoolean() sms?: boolean;
  @ApiPropertyOptional({ description: 'false stops Zalo' }) @IsOptional() @IsBoolean() zalo?: boolean;
  @ApiPropertyOptional({ description: 'false stops e-mail' }) @IsOptional() @IsBoolean() email?: boolean;
}

export class NotificationsDto {
  @ApiProperty() code!: string;
  @ApiProperty() sms!: boolean;
  @ApiProperty() zalo!: boolean;
  @ApiProperty() email!: boolean;
}

const PERIOD_PATTERN = /^\d{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$/;

export class MessagesReportQuery {
  @ApiPropertyOptional({ example: '2026-03', description: 'YYYY, YYYY-H1|H2, YYYY-Q1..Q4 or YYYY-MM (or from and to)' })
  @IsOptional()
  @Matches(PERIOD_PATTERN, { message: 'period must be YYYY, YYYY-H1, YYYY-Q1 or YYYY-MM' })
  period?: string;

  @ApiPropertyOptional({ example: '2026-03-01' })
  @IsOptional()
  @Matches(DATE_PATTERN, { message: 'from must be YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ example: '2026-03-31' })
  @IsOptional()
  @Matches(DATE_PATTERN, { message: 'to must be YYYY-MM-DD' })
  to?: string;

  @ApiPropertyOptional({ example: 'H15.50', description: 'this receiving unit only' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  unitCode?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

export class MessagesReportRowDto {
  @ApiProperty() unitCode!: string;
  @ApiProperty() unitName!: string;
  @ApiProperty({ enum: MESSAGE_CHANNELS }) channel!: string;
  @ApiProperty({ description: 'messages handed to the provider' }) sent!: number;
  @ApiProperty({ description: 'of which the provider reported delivered' }) delivered!: number;
  @ApiProperty({ description: 'given up (or reported undelivered)' }) failed!: number;
  @ApiProperty({ description: 'SMS sent in place of a Zalo message Zalo could not deliver' }) fallback!: number;
  @ApiProperty() segments!: number;
  @ApiProperty() costVnd!: number;
}

export class MessagesReportDto {
  @ApiProperty() period!: string;
  @ApiProperty({ format: 'date' }) from!: string;
  @ApiProperty({ format: 'date' }) to!: string;
  @ApiProperty({ type: [MessagesReportRowDto] }) rows!: MessagesReportRowDto[];
  @ApiProperty({ type: MessagesReportRowDto, description: 'all units and channels (unitCode and channel "*")' })
  total!: MessagesReportRowDto;
}

export class CallbackAckDto {
  @ApiProperty() received!: boolean;
  @ApiProperty({ description: 'messages whose status the report changed' }) updated!: number;
}
