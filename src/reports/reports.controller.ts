import { Body, Controller, Get, HttpCode, Param, Put, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import {
  IndexInputDto,
  IndexInputResultDto,
  IndexQuery,
  IndexReportDto,
  OfficialSheetDto,
  OfficialSheetQuery,
  OfficialsQuery,
  OfficialsReportDto,
  ProcessingQuery,
  ProcessingReportDto,
} from 'src/reports/dto/reports.dto';
import { renderIndex, renderOfficials, renderProcessing } from 'src/reports/export';
import type { ExportFile, ExportFormat } from 'src/reports/report.types';
import { uuidPipe } from 'src/common/uuid.pipe';
import { ClosedPeriodsService } from 'src/reports/closed-periods.service';
import { officialSheetPdf } from 'src/reports/export/official-sheet';
import { OfficialsAnnualService } from 'src/reports/officials-annual.service';
import { ReportsService } from 'src/reports/reports.service';

const FILE_TYPES = ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/pdf'];

/** Sends an export as a download (reports name people and units: nothing caches them). */
function download(file: ExportFile, reply: FastifyReply): StreamableFile {
  void reply.header('Cache-Control', 'private, no-store');
  return new StreamableFile(file.body, {
    type: file.contentType,
    disposition: `attachment; filename="${file.fileName}"`,
  });
}

async function answer<T>(
  report: T,
  format: string | undefined,
  render: (r: T, f: ExportFormat) => Promise<ExportFile>,
  reply: FastifyReply,
): Promise<T | StreamableFile> {
  if (format === undefined || format === 'json') return report;
  return download(await render(report, format as ExportFormat), reply);
}

/** Reports for the reform board (docs/http-api.md "Reports"); unit heads see their subtree. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly closed: ClosedPeriodsService,
    private readonly annual: OfficialsAnnualService,
  ) {}

  @Get('processing')
  @Roles('admin', 'reform_board', 'unit_head')
  @ApiProduces('application/json', ...FILE_TYPES)
  @ApiOkResponse({ type: ProcessingReportDto, description: 'form 06a; csv, xlsx or pdf with `format`' })
  async processing(
    @Query() q: ProcessingQuery,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProcessingReportDto | StreamableFile> {
    // A closed period answers from its snapshot (closed-periods.service).
    return answer(await this.closed.processing(q, user), q.format, renderProcessing, reply);
  }

  @Get('index')
  @Roles('admin', 'reform_board', 'unit_head')
  @ApiProduces('application/json', ...FILE_TYPES)
  @ApiOkResponse({ type: IndexReportDto, description: 'the Decision 766 index; csv, xlsx or pdf with `format`' })
  async index(
    @Query() q: IndexQuery,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IndexReportDto | StreamableFile> {
    return answer(await this.closed.index(q, user), q.format, renderIndex, reply);
  }

  @Put('index/inputs')
  @HttpCode(200)
  @Roles('reform_board')
  @ApiOkResponse({ type: IndexInputResultDto })
  enter(@Body() dto: IndexInputDto, @CurrentUser() user: AuthUser): Promise<IndexInputResultDto> {
    return this.reports.enterInput(dto, user);
  }

  @Get('officials')
  @Roles('admin', 'reform_board', 'unit_head')
  @ApiProduces('application/json', ...FILE_TYPES)
  @ApiOkResponse({ type: OfficialsReportDto, description: 'steps handled per officer; csv, xlsx or pdf with `format`' })
  async officials(
    @Query() q: OfficialsQuery,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OfficialsReportDto | StreamableFile> {
    return answer(await this.annual.officials(q, user), q.format, renderOfficials, reply);
  }

  @Get('officials/:userId/sheet')
  @Roles('admin', 'reform_board', 'unit_head', 'officer', 'counter_staff')
  @ApiProduces('application/json', 'application/pdf')
  @ApiOkResponse({
    type: OfficialSheetDto,
    description:
      "one official's annual sheet (the official, heads of their unit and its ancestors, the board); pdf with format=pdf",
  })
  async sheet(
    @Param('userId', uuidPipe) userId: string,
    @Query() q: OfficialSheetQuery,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OfficialSheetDto | StreamableFile> {
    const sheet = await this.annual.sheet(userId, q.year, user);
    if (q.format !== 'pdf') return sheet;
    return download(
      {
        body: await officialSheetPdf(sheet),
        contentType: 'application/pdf',
        fileName: `phieu-danh-gia-${sheet.username}-${sheet.year}.pdf`,
      },
      reply,
    );
  }
}
