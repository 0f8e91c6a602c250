import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ListQueryDto } from 'src/auth/dto/auth.dto';

export const ALERT_KINDS = [
  'due_soon',
  'overdue',
  'stalled',
  'escalated',
  'feedback_overdue',
  'calendar_horizon',
  'supplement_expired',
  'directive_comment',
  'portal_sync_failing',
] as const;

export class ListAlertsQuery extends ListQueryDto {
  @ApiPropertyOptional({ enum: ALERT_KINDS }) @IsOptional() @IsIn(ALERT_KINDS) kind?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) unitCode?: string;
  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  open?: boolean;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() dossierId?: string;
}

export class AlertDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ALERT_KINDS }) kind!: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'null for calendar_horizon and portal_sync_failing',
  })
  dossierId!: string | null;
  @ApiProperty({ nullable: true, type: String }) dossierCode!: string | null;
  @ApiProperty({ nullable: true, type: String }) unitCode!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'null when the unit has no head: the unit inbox' })
  recipientUserId!: string | null;
  @ApiProperty() deadlineAt!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) closedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) acknowledgedAt!: string | null;
}

export class ScanResultDto {
  @ApiProperty({ description: 'candidate dossiers read' }) scanned!: number;
  @ApiProperty() alertsCreated!: number;
  @ApiProperty({ description: 'alerts closed because their dossier moved past them' }) alertsClosed!: number;
}
