import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ListQueryDto } from 'src/auth/dto/auth.dto';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import type { Page } from 'src/common/pagination';
import { uuidPipe } from 'src/common/uuid.pipe';
import {
  CreateSourceDto,
  ListMismatchesQuery,
  ListRejectedQuery,
  MismatchDto,
  MismatchPageDto,
  RejectedDto,
  RejectedPageDto,
  ReprocessDto,
  ReprocessResultDto,
  SourceDto,
  SourcePageDto,
  SourceWithKeyDto,
} from 'src/integrations/dto/integration.dto';
import { IntegrationsService } from 'src/integrations/integrations.service';

@ApiTags('integrations')
@ApiBearerAuth()
@Controller('integrations')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Post('sources')
  @Roles('admin')
  @ApiCreatedResponse({ type: SourceWithKeyDto, description: 'apiKey is shown once' })
  create(@Body() dto: CreateSourceDto, @CurrentUser() actor: AuthUser): Promise<SourceWithKeyDto> {
    return this.integrations.createSource(dto, actor);
  }

  @Get('sources')
  @Roles('admin')
  @ApiOkResponse({ type: SourcePageDto, description: 'newest first, revoked ones included; never a key' })
  list(@Query() q: ListQueryDto): Promise<Page<SourceDto>> {
    return this.integrations.listSources(q.limit, q.cursor);
  }

  @Post('sources/:id/rotate-key')
  @HttpCode(200)
  @Roles('admin')
  @ApiOkResponse({ type: SourceWithKeyDto, description: 'the new key, shown once; the old one stops working' })
  rotate(@Param('id', uuidPipe) id: string, @CurrentUser() actor: AuthUser): Promise<SourceWithKeyDto> {
    return this.integrations.rotateKey(id, actor);
  }

  @Delete('sources/:id')
  @HttpCode(204)
  @Roles('admin')
  @ApiNoContentResponse({ description: 'the key is revoked; the dossiers it fed stay' })
  async revoke(@Param('id', uuidPipe) id: string, @CurrentUser() actor: AuthUser): Promise<void> {
    await this.integrations.revoke(id, actor);
  }

  @Get('rejected')
  @Roles('admin')
  @ApiOkResponse({ type: RejectedPageDto, description: 'newest first; records redacted of personal data' })
  rejected(@Query() q: ListRejectedQuery): Promise<Page<RejectedDto>> {
    return this.integrations.listRejected(q);
  }

  @Post('rejected/reprocess')
  @HttpCode(200)
  @Roles('admin')
  @ApiOkResponse({ type: ReprocessResultDto, description: 'every kept record (of one source), oldest first' })
  reprocessAll(@Body() dto: ReprocessDto, @CurrentUser() actor: AuthUser): Promise<ReprocessResultDto> {
    return this.integrations.reprocessAll(dto.sourceId, actor);
  }

  @Post('rejected/:id/reprocess')
  @HttpCode(200)
  @Roles('admin')
  @ApiOkResponse({ type: ReprocessResultDto })
  reprocessOne(@Param('id', uuidPipe) id: string, @CurrentUser() actor: AuthUser): Promise<ReprocessResultDto> {
    return this.integrations.reprocessOne(id, actor);
  }

  @Get('mismatches')
  @Roles('admin', 'reform_board')
  @ApiOkResponse({
    type: MismatchPageDto,
    description:
      "fed dossiers whose sender's NgayHenTra differs from our due instant by more than INTEGRATION_MISMATCH_MINUTES",
  })
  mismatches(@Query() q: ListMismatchesQuery): Promise<Page<MismatchDto>> {
    return this.integrations.mismatches(q);
  }
}
