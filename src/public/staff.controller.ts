import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from 'src/auth/auth-user';
import { CurrentUser, Roles } from 'src/auth/decorators';
import { ROLES } from 'src/auth/user.entity';
import type { Page } from 'src/common/pagination';
import { uuidPipe } from 'src/common/uuid.pipe';
import {
  AnswerFeedbackDto,
  FeedbackDto,
  ListFeedbackQuery,
  ListRatingsQuery,
  RatingsPageDto,
} from 'src/public/dto/staff.dto';
import { FeedbackService } from 'src/public/feedback.service';
import { RatingsService } from 'src/public/ratings.service';

/** What staff do with citizens' ratings and feedback (signed in, scoped like dossiers). */
@ApiTags('citizens')
@ApiBearerAuth()
@Controller()
export class StaffController {
  constructor(
    private readonly ratings: RatingsService,
    private readonly feedback: FeedbackService,
  ) {}

  @Get('ratings')
  @Roles(...ROLES)
  @ApiOkResponse({ type: RatingsPageDto, description: 'averages per criterion and verdict counts over all pages' })
  listRatings(@Query() q: ListRatingsQuery, @CurrentUser() user: AuthUser): Promise<RatingsPageDto> {
    return this.ratings.list(q, user);
  }

  @Get('feedback')
  @Roles(...ROLES)
  listFeedback(@Query() q: ListFeedbackQuery, @CurrentUser() user: AuthUser): Promise<Page<FeedbackDto>> {
    return this.feedback.list(q, user);
  }

  @Post('feedback/:id/answer')
  @HttpCode(200)
  @Roles('unit_head', 'officer', 'admin')
  @ApiOkResponse({ type: FeedbackDto })
  answer(
    @Param('id', uuidPipe) id: string,
    @Body() dto: AnswerFeedbackDto,
    @CurrentUser() user: AuthUser,
  ): Promise<FeedbackDto> {
    return this.feedback.answer(id, (dto.content ?? dto.answer)!, user, dto.upheld ?? null);
  }
}
