import { Module, OnModuleInit } from '@nestjs/common';
import { UnitsService } from 'src/catalogue/units.service';
import { DossiersController } from 'src/dossiers/dossiers.controller';
import { DossiersRepository } from 'src/dossiers/dossiers.repository';
import { DossiersService } from 'src/dossiers/dossiers.service';
import { ImportService } from 'src/dossiers/import.service';
import { ImportsController } from 'src/dossiers/imports.controller';
import { ProcedureRulesService } from 'src/dossiers/procedure-rules.service';

@Module({
  controllers: [DossiersController, ImportsController],
  providers: [DossiersRepository, DossiersService, ProcedureRulesService, ImportService],
  exports: [DossiersService, DossiersRepository, ProcedureRulesService],
})
export class DossiersModule implements OnModuleInit {
  constructor(
    private readonly units: UnitsService,
    private readonly repo: DossiersRepository,
  ) {}

  onModuleInit(): void {
    // A unit named by a dossier (receiving, handling or a step's unit) cannot be deleted, only deactivated.
    this.units.registerUsageCheck({
      key: 'dossiers',
      label: 'hồ sơ',
      count: async (unitId) => ((await this.repo.hasDossiersOfUnit(unitId)) ? 1 : 0),
    });
  }
}
