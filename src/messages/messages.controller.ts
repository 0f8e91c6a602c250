import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
  UseGuards,
} from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Public, Roles } from 'src/auth/decorators';
import { uuidPipe } from 'src/common/uuid.pipe';
import {
  CallbackAckDto,
  ChangeNotificationsDto,
  MessageListDto,
  MessagesReportDto,
  MessagesReportQuery,
  NotificationsDto,
} from 'src/messages/dto/messages.dto';
import { MessagesService } from 'src/messages/messages.service';
import { PublicRateLimitGuard } from 'src/public/public-rate-limit.guard';

/** A dossier's messages to the citizen (whoever may see the dossier). */
@ApiTags('messages')
@ApiBearerAuth()
@Controller('dossiers')
export class DossierMessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get(':id/messages')
  @Roles('admin', 'reform_board', 'unit_head', 'officer', 'counter_staff')
  @ApiOkResponse({ type: MessageListDto, description: 'every message of the dossier, oldest first; `to` masked' })
  list(@Param('id', uuidPipe) id: string, @CurrentUser() user: AuthUser): Promise<MessageListDto> {
    return this.messages.forDossier(id, user);
  }
}

/** The citizen stops (or restarts) channels with the lookup key. */
@ApiTags('public')
@Public()
@UseGuards(PublicRateLimitGuard)
@ApiNotFoundResponse({ description: 'unknown or malformed code, or a wrong lookup key: one and the same answer' })
@ApiTooManyRequestsResponse({ description: 'too many requests from this address; see Retry-After' })
@Controller('public/dossiers')
export class PublicNotificationsController {
  constructor(private readonly messages: MessagesService) {}

  @Post(':code/notifications')
  @HttpCode(200)
  @ApiParam({ name: 'code', description: 'the dossier code' })
  @ApiOkResponse({ type: NotificationsDto, description: 'the channels on after the change' })
  change(@Param('code') code: string, @Body() dto: ChangeNotificationsDto): Promise<NotificationsDto> {
    return this.messages.changeConsent(code, dto);
  }
}

/** Messages per unit and channel for the reform board. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class MessagesReportController {
  constructor(private readonly messages: MessagesService) {}

  @Get('messages')
  @Roles('admin', 'reform_board')
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ type: MessagesReportDto, description: 'per receiving unit and channel; csv with `format=csv`' })
  async report(
    @Query() q: MessagesReportQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MessagesReportDto | StreamableFile> {
    const report = await this.messages.report(q);
    if (q.format !== 'csv') return report;
    const head = 'unitCode,unitName,channel,sent,delivered,failed,fallback,segments,costVnd';
    const cell = (v: string | number) => (typeof v === 'number' ? String(v) : `"${v.replace(/"/g, '""')}"`);
    const lines = [...report.rows, report.total].map((r) =>
      [r.unitCode, r.unitName, r.channel, r.sent, r.delivered, r.failed, r.fallback, r.segments, r.costVnd]
        .map(cell)
        .join(','),
    );
    void reply.header('Cache-Control', 'private, no-store');
    return new StreamableFile(Buffer.from(`\ufeff${[head, ...lines].join('\r\n')}\r\n`, 'utf8'), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="tin-nhan-${report.period}.csv"`,
    });
  }
}

/** Providers' delivery reports, checked as each provider documents (no sign-in; unverified → 401). */
@ApiTags('integrations')
@Public()
@Controller('integrations')
export class MessageCallbacksController {
  constructor(private readonly messages: MessagesService) {}

  /**
   * eSMS.vn reports delivery with an HTTP GET to the CallbackUrl given with each SMS, its fields
   * appended to the query string (developers.esms.vn, "Callback Url"); the same check as the POST.
   */
  @Get(':provider/callback')
  @ApiParam({ name: 'provider', enum: ['sms'] })
  @ApiQuery({
    name: 'token',
    required: false,
    description:
      'sms: the token of the CallbackUrl, with `id` (our message id) and eSMS’s fields (RequestId, SMSID, SendStatus, …) beside it',
  })
  @ApiOkResponse({ type: CallbackAckDto })
  @ApiUnauthorizedResponse({ description: 'token missing or wrong' })
  @ApiNotFoundResponse({ description: 'unknown provider, or one that does not report by GET' })
  callbackGet(@Param('provider') provider: string, @Req() req: FastifyRequest): Promise<CallbackAckDto> {
    return this.messages.callbackGet(provider, req.url);
  }

  @Post(':provider/callback')
  @HttpCode(200)
  @ApiParam({ name: 'provider', enum: ['zalo', 'sms'] })
  @ApiBody({
    required: false,
    description:
      'zalo: the OA event (user_received_message) with X-ZEvent-Signature; sms: eSMS fields (RequestId, SMSID, SendStatus) in the query or body, with the token of the CallbackUrl',
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiOkResponse({ type: CallbackAckDto })
  @ApiUnauthorizedResponse({ description: 'signature or token missing or wrong' })
  @ApiNotFoundResponse({ description: 'unknown provider' })
  callback(
    @Param('provider') provider: string,
    @Req() req: RawBodyRequest<FastifyRequest>,
    @Body() body: unknown,
  ): Promise<CallbackAckDto> {
    return this.messages.callback(provider, {
      headers: req.headers as Record<string, unknown>,
      query: (req.query ?? {}) as Record<string, unknown>,
      body,
      rawBody: req.rawBody,
    });
  }
}
