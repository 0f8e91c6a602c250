import { Module } from '@nestjs/common';
import { CatalogueModule } from 'src/catalogue/catalogue.module';
import { DossiersModule } from 'src/dossiers/dossiers.module';
import { BookImportService } from 'src/integrations/book/book-import.service';
import { ApiKeyGuard } from 'src/integrations/api-key.guard';
import { FeedService } from 'src/integrations/feed.service';
import { IntegrationsController } from 'src/integrations/integrations.controller';
import { IntegrationsRepository } from 'src/integrations/integrations.repository';
import { IntegrationsService } from 'src/integrations/integrations.service';
import { ReceiverController } from 'src/integrations/receiver.controller';

/** Source systems feeding us their DongBoHoSoMC / CapNhatTienDoHoSoMC records. */
@Module({
  imports: [DossiersModule, CatalogueModule],
  controllers: [IntegrationsController, ReceiverController],
  providers: [IntegrationsRepository, IntegrationsService, FeedService, ApiKeyGuard, BookImportService],
  exports: [FeedService, IntegrationsService, BookImportService],
})
export class IntegrationsModule {}
