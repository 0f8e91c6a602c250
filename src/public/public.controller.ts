import { Body, Controller, Get, Param, Post, Res, UseGuards } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from 'src/auth/decorators';
import {
  LodgedFeedbackDto,
  LodgeFeedbackDto,
  PublicDossierDto,
  RateDossierDto,
  RatingReceiptDto,
} from 'src/public/dto/public.dto';
import { PublicRateLimitGuard } from 'src/public/public-rate-limit.guard';
import { PublicService } from 'src/public/public.service';

const code = { name: 'code', description: 'the dossier code (mã hồ sơ), e.g. H15.50-260213-0007' };

/** The citizen's endpoints: no sign-in, rate-limited per client address. */
@ApiTags('public')
@Public()
@UseGuards(PublicRateLimitGuard)
@ApiNotFoundResponse({ description: 'unknown or malformed code, or a wrong lookup key: one and the same answer' })
@ApiTooManyRequestsResponse({ description: 'too many requests from this address; see Retry-After' })
@Controller('public/dossiers')
export class PublicController {
  constructor(private readonly citizens: PublicService) {}

  @Get(':code')
  @ApiParam(code)
  @ApiOkResponse({ type: PublicDossierDto, description: 'status and dates only, never personal data' })
  lookup(@Param('code') c: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublicDossierDto> {
    // The status changes with every action: nothing in between may keep an old answer.
    void reply.header('cache-control', 'no-store');
    return this.citizens.lookup(c);
  }

  @Post(':code/rating')
  @ApiParam(code)
  @ApiCreatedResponse({ type: RatingReceiptDto })
  rate(@Param('code') c: string, @Body() dto: RateDossierDto): Promise<RatingReceiptDto> {
    return this.citizens.rate(c, dto);
  }

  @Post(':code/feedback')
  @ApiParam(code)
  @ApiCreatedResponse({ type: LodgedFeedbackDto })
  feedback(@Param('code') c: string, @Body() dto: LodgeFeedbackDto): Promise<LodgedFeedbackDto> {
    return this.citizens.lodgeFeedback(c, dto);
  }
}
