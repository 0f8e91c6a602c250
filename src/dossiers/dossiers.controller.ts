import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiParam,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import { ROLES } from 'src/auth/user.entity';
import { DomainError } from 'src/common/domain-error';
import type { Page } from 'src/common/pagination';
import { uuidPipe } from 'src/common/uuid.pipe';
import { validateDto } from 'src/common/validation';
import { ControlSlipQuery, ExtensionNumberPipe, LetterQuery } from 'src/dossiers/documents/documents.dto';
import { DocumentsService } from 'src/dossiers/documents/documents.service';
import { pdfResponse } from 'src/dossiers/documents/pdf-response';
import { ReceiptQuery } from 'src/dossiers/documents/receipt.dto';
import { ReceiptService } from 'src/dossiers/documents/receipt.service';
import { DossiersService } from 'src/dossiers/dossiers.service';
import { DeadlineService } from 'src/dossiers/deadline.service';
import { DeadlineDto } from 'src/dossiers/dto/deadline.dto';
import {
  ACTION_DTOS,
  ControlSlipRowDto,
  DossierDto,
  DossierEventDto,
  IntakeDto,
  ListDossiersQuery,
} from 'src/dossiers/dto/dossier.dto';
import type { LiveAction } from 'src/dossiers/lifecycle';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

function idempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
      { field: 'Idempotency-Key', message: 'Idempotency-Key must be 1-200 visible ASCII characters' },
    ]);
  }
  return value;
}

const ACTION_NAMES = Object.keys(ACTION_DTOS) as LiveAction[];

@ApiTags('dossiers')
@ApiBearerAuth()
@ApiExtraModels(...Object.values(ACTION_DTOS))
@Controller('dossiers')
export class DossiersController {
  constructor(
    private readonly dossiers: DossiersService,
    private readonly documents: DocumentsService,
    private readonly receipts: ReceiptService,
    private readonly deadlines: DeadlineService,
  ) {}

  @Post()
  @Roles('counter_staff', 'unit_head', 'admin')
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: DossierDto, description: 'the dossier, with the lookup key (shown once)' })
  async intake(
    @Body() dto: IntakeDto,
    @CurrentUser() user: AuthUser,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DossierDto> {
    const result = await this.dossiers.intake(dto, user, idempotencyKey(key));
    void reply.status(result.status);
    return result.body;
  }

  @Get()
  @Roles(...ROLES)
  list(@Query() q: ListDossiersQuery, @CurrentUser() user: AuthUser): Promise<Page<DossierDto>> {
    return this.dossiers.list(q, user);
  }

  @Get(':id')
  @Roles(...ROLES)
  @ApiOkResponse({ type: DossierDto })
  get(@Param('id', uuidPipe) id: string, @CurrentUser() user: AuthUser): Promise<DossierDto> {
    return this.dossiers.get(id, user);
  }

  @Get(':id/deadline')
  @Roles(...ROLES)
  @ApiOkResponse({ type: DeadlineDto, description: 'why the due instant is what it is' })
  deadline(@Param('id', uuidPipe) id: string, @CurrentUser() user: AuthUser): Promise<DeadlineDto> {
    return this.deadlines.explain(id, user);
  }

  @Get(':id/events')
  @Roles(...ROLES)
  @ApiOkResponse({ type: [DossierEventDto] })
  events(@Param('id', uuidPipe) id: string, @CurrentUser() user: AuthUser): Promise<DossierEventDto[]> {
    return this.dossiers.events(id, user);
  }

  @Get(':id/control-slip')
  @Roles(...ROLES)
  @ApiProduces('application/json', 'application/pdf')
  @ApiOkResponse({ type: [ControlSlipRowDto], description: 'the rows; with format=pdf the form-06 slip as a PDF' })
  async controlSlip(
    @Param('id', uuidPipe) id: string,
    @Query() q: ControlSlipQuery,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ControlSlipRowDto[] | StreamableFile> {
    if (q.format === 'pdf') return pdfResponse(await this.documents.controlSlip(id, user), reply);
    return (await this.dossiers.controlSlip(id, user)).rows;
  }

  @Get(':id/receipt')
  @Roles(...ROLES)
  @ApiProduces('application/pdf')
  @ApiOkResponse({
    description:
      'the form-01 receipt and appointment slip, with the lookup key when given and a QR code of the lookup address',
    schema: { type: 'string', format: 'binary' },
  })
  async receipt(
    @Param('id', uuidPipe) id: string,
    @Query() q: ReceiptQuery,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    return pdfResponse(await this.receipts.receipt(id, user, q.lookupKey), reply);
  }

  @Get(':id/extensions/:n/letter')
  @Roles(...ROLES)
  @ApiParam({ name: 'n', description: 'the extension number, from 1' })
  @ApiProduces('application/pdf')
  @ApiOkResponse({
    description: 'the form-04 apology and new appointment letter',
    schema: { type: 'string', format: 'binary' },
  })
  async extensionLetter(
    @Param('id', uuidPipe) id: string,
    @Param('n', ExtensionNumberPipe) n: number,
    @Query() _q: LetterQuery,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    return pdfResponse(await this.documents.extensionLetter(id, n, user), reply);
  }

  @Post(':id/actions/:action')
  @HttpCode(200)
  @Roles('counter_staff', 'officer', 'unit_head', 'admin', 'reform_board')
  @ApiParam({ name: 'action', enum: ACTION_NAMES })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiBody({ schema: { oneOf: Object.values(ACTION_DTOS).map((c) => ({ $ref: getSchemaPath(c) })) } })
  @ApiOkResponse({ type: DossierDto })
  async act(
    @Param('id', uuidPipe) id: string,
    @Param('action') action: string,
    @Body() body: unknown,
    @CurrentUser() user: AuthUser,
    @Headers('idempotency-key') key: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DossierDto> {
    if (!ACTION_NAMES.includes(action as LiveAction)) {
      throw new DomainError('VALIDATION_FAILED', 'Dữ liệu không hợp lệ.', [
        { field: 'action', message: `action must be one of ${ACTION_NAMES.join(', ')}` },
      ]);
    }
    const dto = validateDto(ACTION_DTOS[action as LiveAction] as new () => { expectedVersion: number }, body);
    const result = await this.dossiers.act(id, action as LiveAction, { ...dto }, user, idempotencyKey(key));
    void reply.status(result.status);
    return result.body;
  }
}
