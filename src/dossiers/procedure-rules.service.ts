import { Injectable } from '@nestjs/common';
import { CatalogueCache } from 'src/catalogue/catalogue-cache.service';
import { ProcedureRules, ProceduresService } from 'src/catalogue/procedures.service';

export type ProcedureView = ProcedureRules;

/**
 * Procedure versions as the lifecycle reads them. Versions are immutable, so a version once read
 * is kept in memory for good (bounded); "the version in force at" is asked of the catalogue.
 */
@Injectable()
export class ProcedureRulesService {
  private readonly versions = new Map<string, ProcedureRules>();
  private static readonly MAX = 5_000;

  constructor(
    private readonly procedures: ProceduresService,
    private readonly catalogue: CatalogueCache,
  ) {}

  /** From the catalogue cache (the procedure's activity and current version are fresh as it is). */
  async versionAt(code: string, at: Date): Promise<ProcedureRules | null> {
    const rules = await this.catalogue.procedureAt(code, at);
    if (rules) this.remember(rules);
    return rules;
  }

  async version(procedureId: string, version: number): Promise<ProcedureRules> {
    const key = `${procedureId}:${version}`;
    const hit = this.versions.get(key);
    if (hit) return hit;
    const rules = await this.procedures.getVersion(procedureId, version);
    if (!rules) throw new Error(`procedure ${procedureId} version ${version} is missing`);
    this.remember(rules);
    return rules;
  }

  private remember(rules: ProcedureRules): void {
    if (this.versions.size >= ProcedureRulesService.MAX) this.versions.clear();
    this.versions.set(`${rules.procedureId}:${rules.version}`, rules);
  }
}
