import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
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

  /**
   * `tx`: the caller's transaction, when it holds one. A version not yet in memory is then read on
   * that connection: a second one taken from the pool while the first is held could wait forever
   * once the pool is full of requests waiting on this transaction's row locks.
   */
  async version(procedureId: string, version: number, tx?: EntityManager): Promise<ProcedureRules> {
    const key = `${procedureId}:${version}`;
    const hit = this.versions.get(key);
    if (hit) return hit;
    const rules = await this.procedures.getVersion(procedureId, version, tx);
    if (!rules) throw new Error(`procedure ${procedureId} version ${version} is missing`);
    this.remember(rules);
    return rules;
  }

  private remember(rules: ProcedureRules): void {
    if (this.versions.size >= ProcedureRulesService.MAX) this.versions.clear();
    this.versions.set(`${rules.procedureId}:${rules.version}`, rules);
  }
}
