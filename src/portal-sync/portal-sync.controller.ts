import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ListQueryDto } from 'src/auth/dto/auth.dto';
import { Roles } from 'src/auth/decorators';
import type { Page } from 'src/common/pagination';
import { uuidPipe } from 'src/common/uuid.pipe';
import { FailureDto, PortalSyncService, SyncStatus } from 'src/portal-sync/portal-sync.service';

class FailureItemDto implements FailureDto {
  @ApiProperty({ format: 'uuid' }) dossierId!: string;
  @ApiProperty() dossierCode!: string;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String }) lastAttemptAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) failingSince!: string | null;
}
class FailurePageDto {
  @ApiProperty({ type: [FailureItemDto] }) items!: FailureItemDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
class QueuedDto {
  @ApiProperty() queued!: number;
}
class SyncStatusDto implements SyncStatus {
  @ApiProperty({ description: 'dossiers with changes the portal has not accepted yet (both lanes)' })
  pending!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ nullable: true, type: String }) oldestPendingAt!: string | null;
  @ApiProperty({ description: 'of pending, those waiting with imported history (sent after live changes)' })
  backfillPending!: number;
  @ApiProperty({ nullable: true, type: String, description: 'the oldest live change waiting' })
  oldestLivePendingAt!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'PORTAL_SYNC_DOSSIERS_PER_SECOND; null: no limit' })
  dossiersPerSecond!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'seconds the waiting dossiers need at that rate' })
  drainSeconds!: number | null;
}

@ApiTags('portal-sync')
@ApiBearerAuth()
@Controller('portal-sync')
@Roles('admin')
export class PortalSyncController {
  constructor(private readonly sync: PortalSyncService) {}

  @Get('failures')
  @ApiOkResponse({
    type: FailurePageDto,
    description: 'the failed-sync list ("hồ sơ đồng bộ lỗi"), longest failing first',
  })
  failures(@Query() q: ListQueryDto): Promise<Page<FailureDto>> {
    return this.sync.failures(q.limit, q.cursor);
  }

  @Post('failures/retry')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: QueuedDto })
  retryAll(): Promise<{ queued: number }> {
    return this.sync.retryAll();
  }

  @Post('failures/:dossierId/retry')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: QueuedDto })
  retryOne(@Param('dossierId', uuidPipe) dossierId: string): Promise<{ queued: number }> {
    return this.sync.retryOne(dossierId);
  }

  @Get('status')
  @ApiOkResponse({ type: SyncStatusDto })
  status(): Promise<SyncStatus> {
    return this.sync.status();
  }
}
