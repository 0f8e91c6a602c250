import { Global, Module } from '@nestjs/common';
import { CatalogueCache } from 'src/catalogue/catalogue-cache.service';
import { ProceduresController } from 'src/catalogue/procedures.controller';
import { ProceduresRepository } from 'src/catalogue/procedures.repository';
import { ProceduresService } from 'src/catalogue/procedures.service';
import { UnitsController } from 'src/catalogue/units.controller';
import { UnitsRepository } from 'src/catalogue/units.repository';
import { UnitsService } from 'src/catalogue/units.service';

/**
 * Units and procedures. Global: the dossier lifecycle reads procedure versions through
 * ProceduresService and adds its "has dossiers" check through UnitsService.registerUsageCheck.
 */
@Global()
@Module({
  controllers: [UnitsController, ProceduresController],
  providers: [CatalogueCache, UnitsRepository, UnitsService, ProceduresRepository, ProceduresService],
  exports: [CatalogueCache, UnitsService, ProceduresService],
})
export class CatalogueModule {}
