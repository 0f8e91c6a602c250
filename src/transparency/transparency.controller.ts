import { Controller, Get, Query, Res, StreamableFile, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from 'src/auth/decorators';
import { PublicRateLimitGuard } from 'src/public/public-rate-limit.guard';
import {
  PublicBoardDto,
  PublicBoardQuery,
  PublicStatsDto,
  PublicStatsQuery,
} from 'src/transparency/dto/transparency.dto';
import { statsCsv } from 'src/transparency/stats-csv';
import { TransparencyService } from 'src/transparency/transparency.service';

/** Transparency (no sign-in, no personal data, answers shared for the cache interval). */
@ApiTags('public')
@Public()
@UseGuards(PublicRateLimitGuard)
@ApiTooManyRequestsResponse({ description: 'too many requests from this address; see Retry-After' })
@Controller('public')
export class TransparencyController {
  constructor(private readonly transparency: TransparencyService) {}

  @Get('stats')
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    type: PublicStatsDto,
    description: 'per unit or field for a period; csv with format=csv (open data)',
  })
  async stats(
    @Query() q: PublicStatsQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PublicStatsDto | StreamableFile> {
    const r = await this.transparency.stats(q);
    void reply.header('cache-control', 'public, max-age=15');
    if (q.format !== 'csv') return r;
    return new StreamableFile(statsCsv(r), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="thong-ke-${r.period}-${r.unitCode}.csv"`,
    });
  }

  @Get('board')
  @ApiOkResponse({
    type: PublicBoardDto,
    description: "the lobby board: today's counts and results ready for collection",
  })
  async board(@Query() q: PublicBoardQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublicBoardDto> {
    void reply.header('cache-control', 'public, max-age=5');
    return this.transparency.board(q);
  }
}
