import { Module } from '@nestjs/common';
import { PublicModule } from 'src/public/public.module';
import { ReportsModule } from 'src/reports/reports.module';
import { TransparencyPagesController } from 'src/transparency/transparency-pages.controller';
import { TransparencyController } from 'src/transparency/transparency.controller';
import { TransparencyRepository } from 'src/transparency/transparency.repository';
import { TransparencyService } from 'src/transparency/transparency.service';

/** The lobby board and the public statistics, and their pages (/bang-tin, /thong-ke). */
@Module({
  imports: [PublicModule, ReportsModule],
  controllers: [TransparencyController, TransparencyPagesController],
  providers: [TransparencyRepository, TransparencyService],
  exports: [TransparencyService],
})
export class TransparencyModule {}
