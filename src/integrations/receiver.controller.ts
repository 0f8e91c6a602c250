import { Body, Controller, HttpCode, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Public } from 'src/auth/decorators';
import { DomainError } from 'src/common/domain-error';
import { ApiKeyGuard, type SourceRequest } from 'src/integrations/api-key.guard';
import { DvcqgEnvelopeDto, PortalAnswerDto, ReceiverQueryDto } from 'src/integrations/dto/integration.dto';
import { DvcqgService, MAX_BATCH, parseFlag, SERVICES } from 'src/integrations/dvcqg-format';
import { FeedRequest, FeedResult, FeedService } from 'src/integrations/feed.service';

const invalid = (field: string, message: string) =>
  new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [{ field, message }]);

function records(data: unknown, field: string): unknown[] {
  if (!Array.isArray(data)) throw invalid(field, `${field} must be an array of records`);
  if (data.length > MAX_BATCH) throw invalid(field, `${field} must contain no more than ${MAX_BATCH} records`);
  return data;
}

function updating(v: unknown, field: string): boolean | null {
  if (v === undefined || v === null || v === '') return null;
  const flag = parseFlag(v);
  if (flag === undefined) throw invalid(field, `${field} must be "True" or "False"`);
  return flag;
}

function hint(v: unknown, field: string): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || v.length > 60)
    throw invalid(field, `${field} must be a unit identifier (at most 60 characters)`);
  return v.trim();
}

/** The portal's answer: "0" for a request taken (repeats and records kept as unmappable included). */
function answer(r: FeedResult): PortalAnswerDto {
  return {
    error_code: '0',
    message: `Tiếp nhận thành công: ${r.applied} cập nhật, ${r.unchanged} không đổi, ${r.rejected} bị giữ lại để xử lý.`,
  };
}

/**
 * Where a province's one-stop system can be pointed instead of the national portal (or its
 * provincial intermediary): the three envelope shapes seen in the field, answered in the portal's
 * shape. Authenticated by the source's X-Api-Key.
 */
@ApiTags('integrations')
@ApiSecurity('api-key')
@Public()
@UseGuards(ApiKeyGuard)
@Controller('integrations/dvcqg')
export class ReceiverController {
  constructor(private readonly feed: FeedService) {}

  @Post()
  @HttpCode(200)
  @ApiBody({ type: DvcqgEnvelopeDto })
  @ApiOkResponse({
    type: PortalAnswerDto,
    description: 'the full envelope {session?, madonvi, service, isUpdating?, data}',
  })
  envelope(@Body() body: unknown, @Req() req: SourceRequest): Promise<PortalAnswerDto> {
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw invalid('body', 'the body must be a JSON object');
    const b = body as Record<string, unknown>;
    const unknown = Object.keys(b).find(
      (k) => !['session', 'madonvi', 'service', 'isUpdating', 'data', 'dstcode'].includes(k),
    );
    if (unknown) throw invalid(unknown, `property ${unknown} should not exist`);
    if (typeof b.service !== 'string' || !(SERVICES as readonly string[]).includes(b.service))
      throw invalid('service', `service must be one of ${SERVICES.join(', ')}`);
    if (b.session !== undefined && typeof b.session !== 'string') throw invalid('session', 'session must be a string');
    return this.run(req, {
      service: b.service as DvcqgService,
      unitHint: hint(b.madonvi, 'madonvi'),
      isUpdating: updating(b.isUpdating, 'isUpdating'),
      data: records(b.data, 'data'),
    });
  }

  @Post('DongBoHoSoMC')
  @HttpCode(200)
  @ApiBody({ schema: { type: 'array', items: { type: 'object' } } })
  @ApiOkResponse({
    type: PortalAnswerDto,
    description: 'a bare array of dossier records; unit and isUpdating in the query',
  })
  dongBo(@Body() body: unknown, @Query() q: ReceiverQueryDto, @Req() req: SourceRequest): Promise<PortalAnswerDto> {
    return this.run(req, {
      service: 'DongBoHoSoMC',
      unitHint: hint(q.MaDinhDanhDV, 'MaDinhDanhDV'),
      isUpdating: updating(q.isUpdating, 'isUpdating'),
      data: records(body, 'body'),
    });
  }

  @Post('create')
  @HttpCode(200)
  @ApiBody({ schema: { type: 'array', items: { type: 'object' } } })
  @ApiOkResponse({ type: PortalAnswerDto, description: 'a bare array of new dossier records' })
  create(@Body() body: unknown, @Req() req: SourceRequest): Promise<PortalAnswerDto> {
    return this.run(req, { service: 'DongBoHoSoMC', unitHint: null, isUpdating: false, data: records(body, 'body') });
  }

  @Post('update')
  @HttpCode(200)
  @ApiBody({ schema: { type: 'array', items: { type: 'object' } } })
  @ApiOkResponse({ type: PortalAnswerDto, description: 'a bare array of updated dossier records' })
  update(@Body() body: unknown, @Req() req: SourceRequest): Promise<PortalAnswerDto> {
    return this.run(req, { service: 'DongBoHoSoMC', unitHint: null, isUpdating: true, data: records(body, 'body') });
  }

  @Post('progress')
  @HttpCode(200)
  @ApiBody({ schema: { type: 'array', items: { type: 'object' } } })
  @ApiOkResponse({ type: PortalAnswerDto, description: 'a bare array of progress items' })
  progress(@Body() body: unknown, @Req() req: SourceRequest): Promise<PortalAnswerDto> {
    return this.run(req, {
      service: 'CapNhatTienDoHoSoMC',
      unitHint: null,
      isUpdating: null,
      data: records(body, 'body'),
    });
  }

  private async run(req: SourceRequest, feed: FeedRequest): Promise<PortalAnswerDto> {
    return answer(await this.feed.receive(req.source!, feed));
  }
}
