import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from 'src/auth/decorators';
import { DomainError } from 'src/common/domain-error';
import { validateDto } from 'src/common/validation';
import { html, Html } from 'src/console/html';
import { page } from 'src/console/layout';
import { PublicRateLimitGuard } from 'src/public/public-rate-limit.guard';
import { PublicStatsQuery } from 'src/transparency/dto/transparency.dto';
import { boardPage, statsPage, T } from 'src/transparency/transparency.pages';
import { TransparencyService } from 'src/transparency/transparency.service';

function send(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  void reply.header('cache-control', 'public, max-age=5');
  return reply.status(status).type('text/html; charset=utf-8').send(body.value);
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** The lobby board (/bang-tin) and the public statistics (/thong-ke): no sign-in. */
@ApiExcludeController()
@Public()
@UseGuards(PublicRateLimitGuard)
@Controller()
export class TransparencyPagesController {
  constructor(private readonly transparency: TransparencyService) {}

  @Get('bang-tin')
  async board(@Query() q: Record<string, unknown>, @Res() reply: FastifyReply) {
    const unitCode = str(q.unitCode) || str(q.unit) || null;
    const refresh = Number(str(q.refresh) || 15);
    const seconds = Number.isInteger(refresh) && refresh >= 2 && refresh <= 300 ? refresh : 15;
    try {
      const b = await this.transparency.board(unitCode ? { unitCode: unitCode.slice(0, 40) } : {});
      return send(reply, boardPage(b, unitCode, seconds));
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== 'NOT_FOUND') throw err;
      return send(reply, page({ title: T.boardTitle, user: null, body: notFound(err.message) }), 404);
    }
  }

  @Get('thong-ke')
  async stats(@Query() q: Record<string, unknown>, @Res() reply: FastifyReply) {
    const form = { period: str(q.period), unitCode: str(q.unitCode), groupBy: str(q.groupBy) || 'unit' };
    try {
      const dto = validateDto(PublicStatsQuery, {
        ...(form.period ? { period: form.period } : {}),
        ...(form.unitCode ? { unitCode: form.unitCode } : {}),
        groupBy: form.groupBy,
      });
      const s = await this.transparency.stats(dto);
      return send(reply, page({ title: T.statsTitle, user: null, body: statsPage(s, { ...form, period: s.period }) }));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const status = err.status === 404 ? 404 : 400;
      return send(reply, page({ title: T.statsTitle, user: null, body: notFound(err.message) }), status);
    }
  }
}

function notFound(message: string): Html {
  return html`<div class="flash error" role="alert">${message}</div>
    <p><a href="/thong-ke">Thống kê toàn tỉnh</a></p>`;
}
