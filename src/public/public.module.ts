import { Module } from '@nestjs/common';
import { DossiersModule } from 'src/dossiers/dossiers.module';
import { CitizensRepository } from 'src/public/citizens.repository';
import { FeedbackOverdueScan } from 'src/public/feedback-overdue.scan';
import { FeedbackService } from 'src/public/feedback.service';
import { PublicRateLimitGuard } from 'src/public/public-rate-limit.guard';
import { PublicController } from 'src/public/public.controller';
import { PublicService } from 'src/public/public.service';
import { RatingsService } from 'src/public/ratings.service';
import { StaffController } from 'src/public/staff.controller';

/**
 * Citizens: the public lookup, ratings and feedback. Exports the overdue-feedback scan
 * for the SLA scan and the ratings service (satisfaction facts) for the performance index.
 */
@Module({
  imports: [DossiersModule],
  controllers: [PublicController, StaffController],
  providers: [
    CitizensRepository,
    PublicService,
    RatingsService,
    FeedbackService,
    FeedbackOverdueScan,
    PublicRateLimitGuard,
  ],
  exports: [FeedbackOverdueScan, RatingsService, PublicService, PublicRateLimitGuard],
})
export class PublicModule {}
