import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  MinLength,
} from 'class-validator';
import { ListQueryDto } from 'src/auth/dto/auth.dto';
import { SCAN_KINDS } from 'src/sla/sla-scan.repository';
import { WEBHOOK_MESSAGES as M } from 'src/sla/webhooks/webhooks.messages';

/** The alert kinds a webhook can subscribe to. */
export const WEBHOOK_KINDS = [...SCAN_KINDS, 'directive_comment'] as const;
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed'] as const;

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://hethong.example.gov.vn/hooks/sla', maxLength: 2000 })
  @IsString({ message: M.url })
  @MaxLength(2000, { message: M.url })
  // Internal hosts (no TLD, IP addresses) are allowed: receivers are often inside the provincial network.
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: M.url })
  url!: string;

  @ApiProperty({
    description: 'HMAC-SHA256 key of X-Signature; write-only, never returned',
    minLength: 16,
    maxLength: 200,
  })
  @IsString({ message: M.secret })
  @MinLength(16, { message: M.secret })
  @MaxLength(200, { message: M.secret })
  secret!: string;

  @ApiProperty({ enum: WEBHOOK_KINDS, isArray: true, example: ['overdue', 'escalated'] })
  @IsArray({ message: M.kindsEmpty })
  @ArrayNotEmpty({ message: M.kindsEmpty })
  @ArrayUnique({ message: M.kindsUnique })
  @IsIn(WEBHOOK_KINDS, { each: true, message: M.kindsAllowed })
  kinds!: string[];
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: WEBHOOK_KINDS, isArray: true }) kinds!: string[];
  @ApiProperty({ description: 'false once deleted: future alerts skip it, pending deliveries fail' }) active!: boolean;
  @ApiProperty() createdAt!: string;
}

export class DeliveryCountsDto {
  @ApiProperty() pending!: number;
  @ApiProperty() sent!: number;
  @ApiProperty() failed!: number;
}

export class WebhookWithStatsDto extends WebhookDto {
  @ApiProperty({ type: DeliveryCountsDto }) deliveries!: DeliveryCountsDto;
  @ApiProperty({ nullable: true, type: String, description: 'error of the latest failed try, e.g. "HTTP 500"' })
  lastError!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastErrorAt!: string | null;
}

export class WebhookPageDto {
  @ApiProperty({ type: [WebhookWithStatsDto] }) items!: WebhookWithStatsDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ListDeliveriesQuery extends ListQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: M.status })
  status?: (typeof DELIVERY_STATUSES)[number];
}

export class DeliveryDto {
  @ApiProperty({ description: 'the delivery id, sent as X-Delivery-Id' }) id!: string;
  @ApiProperty({ format: 'uuid' }) alertId!: string;
  @ApiProperty({ enum: WEBHOOK_KINDS }) kind!: string;
  @ApiProperty({ format: 'uuid' }) dossierId!: string;
  @ApiProperty() dossierCode!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: string;
  @ApiProperty({ description: 'tries made so far' }) attempts!: number;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) lastAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) sentAt!: string | null;
}

export class DeliveryPageDto {
  @ApiProperty({ type: [DeliveryDto] }) items!: DeliveryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
