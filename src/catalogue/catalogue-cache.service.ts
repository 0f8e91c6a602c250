import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ProcedureRules } from 'src/catalogue/procedures.service';
import { UnitEntity } from 'src/catalogue/unit.entity';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { namedQuery } from 'src/database/named-query';

interface ProcedureEntry {
  rules: ProcedureRules;
  /** The instants (ms) between which `rules` is the version in force. */
  from: number;
  until: number;
}

interface Snapshot {
  version: string;
  units: UnitEntity[];
  byCode: Map<string, UnitEntity>;
  byId: Map<string, UnitEntity>;
  procedures: Map<string, ProcedureEntry>;
}

/** Loads the version in force at an instant (the catalogue's own rule) and when the next one starts. */
export type ProcedureLoader = (code: string, at: Date) => Promise<{ rules: ProcedureRules; until: number } | null>;

/**
 * The catalogue (units, procedure versions) served from this process's memory. A counter row
 * (`catalogue_versions`) moves in the transaction of every change to units, procedures and their
 * versions, so a snapshot is valid while the counter has not moved. The counter is read at most every
 * CATALOGUE_CACHE_MS (0: before every use); a change made on another instance is seen after at most
 * that long, one made through this instance at once (invalidate()).
 */
@Injectable()
export class CatalogueCache {
  private snapshot: Snapshot | null = null;
  private checkedAt = 0;
  private inflight: Promise<Snapshot> | null = null;
  /** Bumped by invalidate(): a check or load begun before it does not count. */
  private generation = 0;
  private procedureLoader: ProcedureLoader | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Set by ProceduresService (which owns the rule of "the version in force at"). */
  useProcedureLoader(loader: ProcedureLoader): void {
    this.procedureLoader = loader;
  }

  /** After a change through this instance: the next use re-reads the counter. */
  invalidate(): void {
    this.generation++;
    this.checkedAt = 0;
  }

  async unitByCode(code: string): Promise<UnitEntity | null> {
    return (await this.current()).byCode.get(code) ?? null;
  }

  async unitById(id: string): Promise<UnitEntity | null> {
    return (await this.current()).byId.get(id) ?? null;
  }

  /** Every unit, by code (the snapshot's array: do not modify). */
  async units(): Promise<readonly UnitEntity[]> {
    return (await this.current()).units;
  }

  /** The procedure version in force at `at` (see ProceduresService.versionAt), or null. */
  async procedureAt(code: string, at: Date): Promise<ProcedureRules | null> {
    const snap = await this.current();
    const t = at.getTime();
    const hit = snap.procedures.get(code);
    if (hit && t >= hit.from && t < hit.until) return hit.rules;
    if (!this.procedureLoader) throw new Error('CatalogueCache: no procedure loader registered');
    const loaded = await this.procedureLoader(code, at);
    if (!loaded) return null;
    const from = loaded.rules.effectiveFrom.getTime() <= t ? loaded.rules.effectiveFrom.getTime() : -Infinity;
    // Kept only in the snapshot it was read under: a newer snapshot starts empty.
    if (this.snapshot === snap) snap.procedures.set(code, { rules: loaded.rules, from, until: loaded.until });
    return loaded.rules;
  }

  private async current(): Promise<Snapshot> {
    const ttl = this.config.CATALOGUE_CACHE_MS;
    if (this.snapshot && ttl > 0 && Date.now() - this.checkedAt < ttl) return this.snapshot;
    if (this.inflight) return this.inflight;
    const generation = this.generation;
    const started = Date.now();
    const promise = this.check()
      .then((snap) => {
        if (generation === this.generation) this.checkedAt = started;
        return snap;
      })
      .finally(() => {
        if (this.inflight === promise) this.inflight = null;
      });
    this.inflight = promise;
    return promise;
  }

  private async check(): Promise<Snapshot> {
    const rows = await namedQuery<{ version: string }>(
      this.dataSource,
      'catalogue_version',
      `SELECT version::text AS version FROM catalogue_versions WHERE id = 1`,
      [],
    );
    const version = rows[0]?.version ?? '0';
    if (this.snapshot?.version === version) return this.snapshot;
    // Read after the counter: a change committed in between only makes this snapshot newer than its
    // label, and the next check (counter moved) replaces it.
    const units = await this.dataSource.getRepository(UnitEntity).find();
    // By code as the C collation orders text (GET /units pages with `code > cursor` in memory).
    units.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    const snap: Snapshot = {
      version,
      units,
      byCode: new Map(units.map((u) => [u.code, u])),
      byId: new Map(units.map((u) => [u.id, u])),
      procedures: new Map(),
    };
    this.snapshot = snap;
    return snap;
  }
}
