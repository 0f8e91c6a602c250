import { CatalogueCache } from 'src/catalogue/catalogue-cache.service';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { TimeLimitUnit } from 'src/calendar/working-time';
import { ProcedureEntity } from 'src/catalogue/procedure.entity';
import type { OnlineLevel, StoredStep } from 'src/catalogue/procedure-version.entity';

/**
 * The statutory parts of a procedure that the catalogue keeps as text (Decree 63/2010 Art. 8(2):
 * b sequence of steps, c method of performing, d dossier components and quantity, e who may apply;
 * a name, đ time limit and g agency are the procedure's own fields). '' when not given.
 */
export interface StatutoryParts {
  sequence: string;
  method: string;
  components: string;
  applicants: string;
}

export const STATUTORY_PART_KEYS = ['sequence', 'method', 'components', 'applicants'] as const;

export function statutoryParts(v: Partial<StatutoryParts> | null | undefined): StatutoryParts {
  const get = (k: keyof StatutoryParts) => (typeof v?.[k] === 'string' ? v[k] : '');
  return {
    sequence: get('sequence'),
    method: get('method'),
    components: get('components'),
    applicants: get('applicants'),
  };
}

export type ProcedureTx = EntityManager;

/** A procedure's identity joined with one of its versions (and the handling unit's code). */
export interface ProcedureRecord {
  id: string;
  code: string;
  currentVersion: number;
  active: boolean;
  version: number;
  effectiveFrom: Date;
  createdBy: string | null;
  name: string;
  field: string;
  fieldCode: string | null;
  unitId: string;
  unitCode: string;
  timeLimitAmount: number;
  timeLimitUnit: TimeLimitUnit;
  intakeCutoff: string | null;
  steps: StoredStep[];
  onlineLevel: OnlineLevel;
  feeBearing: boolean;
  paperResultRequired: boolean;
  statutoryParts: StatutoryParts;
}

/** The rule payload of a new version. */
export interface NewProcedureVersion {
  procedureId: string;
  version: number;
  effectiveFrom: Date;
  createdBy: string | null;
  name: string;
  field: string;
  fieldCode: string | null;
  unitId: string;
  timeLimitAmount: number;
  timeLimitUnit: TimeLimitUnit;
  intakeCutoff: string | null;
  steps: StoredStep[];
  onlineLevel: OnlineLevel;
  feeBearing: boolean;
  paperResultRequired: boolean;
  statutoryParts: StatutoryParts;
  searchText: string;
  fieldKey: string;
}

const SELECT = `
  SELECT p.id, p.code, p.current_version, p.active, v.version, v.effective_from, v.created_by, v.name, v.field, v.field_code,
         v.unit_id, u.code AS unit_code, v.time_limit_amount, v.time_limit_unit, v.intake_cutoff, v.steps,
         v.online_level, v.fee_bearing, v.paper_result_required, v.statutory_parts
  FROM procedures p
  JOIN procedure_versions v ON v.procedure_id = p.id
  JOIN units u ON u.id = v.unit_id`;

interface Row {
  id: string;
  code: string;
  current_version: number;
  active: boolean;
  version: number;
  effective_from: Date;
  created_by: string | null;
  name: string;
  field: string;
  field_code: string | null;
  unit_id: string;
  unit_code: string;
  time_limit_amount: number;
  time_limit_unit: TimeLimitUnit;
  intake_cutoff: string | null;
  steps: StoredStep[];
  online_level: OnlineLevel;
  fee_bearing: boolean;
  paper_result_required: boolean;
  statutory_parts: Partial<StatutoryParts>;
}

const toRecord = (r: Row): ProcedureRecord => ({
  id: r.id,
  code: r.code,
  currentVersion: r.current_version,
  active: r.active,
  version: r.version,
  effectiveFrom: r.effective_from,
  createdBy: r.created_by,
  name: r.name,
  field: r.field,
  fieldCode: r.field_code,
  unitId: r.unit_id,
  unitCode: r.unit_code,
  timeLimitAmount: r.time_limit_amount,
  timeLimitUnit: r.time_limit_unit,
  intakeCutoff: r.intake_cutoff,
  steps: r.steps,
  onlineLevel: r.online_level,
  feeBearing: r.fee_bearing,
  paperResultRequired: r.paper_result_required,
  statutoryParts: statutoryParts(r.statutory_parts),
});

@Injectable()
export class ProceduresRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: CatalogueCache,
  ) {}

  /** Every change to procedures runs here: this instance's catalogue cache is renewed once it ended. */
  transaction<T>(fn: (tx: ProcedureTx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn).finally(() => this.cache.invalidate());
  }

  /** When the next version after `at` takes effect (ms), or Infinity. */
  async nextEffectiveAfter(id: string, at: Date): Promise<number> {
    const rows: { t: Date | null }[] = await this.dataSource.query(
      `SELECT min(effective_from) AS t FROM procedure_versions WHERE procedure_id = $1 AND effective_from > $2`,
      [id, at],
    );
    return rows[0]?.t ? new Date(rows[0].t).getTime() : Infinity;
  }

  /** The procedure's id by id or by code (case-insensitive); null when unknown. */
  async resolveId(
    ref: { id?: string; code?: string },
    tx: ProcedureTx = this.dataSource.manager,
  ): Promise<string | null> {
    const rows: { id: string }[] = ref.id
      ? await tx.query(`SELECT id FROM procedures WHERE id = $1`, [ref.id])
      : await tx.query(`SELECT id FROM procedures WHERE lower(code) = lower($1)`, [ref.code]);
    return rows[0]?.id ?? null;
  }

  async codeTaken(code: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM procedures WHERE lower(code) = lower($1)`, [
      code,
    ]);
    return rows.length > 0;
  }

  /** The current version. */
  async findCurrent(id: string, tx: ProcedureTx = this.dataSource.manager): Promise<ProcedureRecord | null> {
    const rows: Row[] = await tx.query(`${SELECT} WHERE p.id = $1 AND v.version = p.current_version`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findVersion(
    id: string,
    version: number,
    tx: ProcedureTx = this.dataSource.manager,
  ): Promise<ProcedureRecord | null> {
    const rows: Row[] = await tx.query(`${SELECT} WHERE p.id = $1 AND v.version = $2`, [id, version]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** The latest version effective at `at`, or the first version when `at` precedes them all. */
  async findVersionAt(id: string, at: Date): Promise<ProcedureRecord | null> {
    const rows: Row[] = await this.dataSource.query(
      `${SELECT} WHERE p.id = $1
       ORDER BY (v.effective_from <= $2) DESC, CASE WHEN v.effective_from <= $2 THEN v.version ELSE -v.version END DESC
       LIMIT 1`,
      [id, at],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /** Current versions by code; rows fetched limit + 1 for the page's next cursor. */
  async listCurrent(opts: {
    limit: number;
    afterCode?: string;
    unitId?: string;
    fieldKey?: string;
    search?: string;
  }): Promise<ProcedureRecord[]> {
    const where = ['v.version = p.current_version'];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (opts.afterCode !== undefined) add('p.code > ?', opts.afterCode);
    if (opts.unitId !== undefined) add('v.unit_id = ?', opts.unitId);
    if (opts.fieldKey !== undefined) add('v.field_key = ?', opts.fieldKey);
    if (opts.search !== undefined) {
      params.push(opts.search);
      where.push(`(strpos(v.search_text, $${params.length}) > 0 OR strpos(lower(p.code), $${params.length}) > 0)`);
    }
    params.push(opts.limit + 1);
    const rows: Row[] = await this.dataSource.query(
      `${SELECT} WHERE ${where.join(' AND ')} ORDER BY p.code LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecord);
  }

  /** Locks the identity row: versions of one procedure are written one at a time. */
  async lock(id: string, tx: ProcedureTx): Promise<ProcedureEntity | null> {
    return tx.getRepository(ProcedureEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async insertProcedure(tx: ProcedureTx, code: string): Promise<string> {
    const rows: { id: string }[] = await tx.query(
      `INSERT INTO procedures (code, current_version) VALUES ($1, 1) RETURNING id`,
      [code],
    );
    return rows[0].id;
  }

  async insertVersion(tx: ProcedureTx, v: NewProcedureVersion): Promise<void> {
    await tx.query(
      `INSERT INTO procedure_versions (procedure_id, version, effective_from, created_by, name, field, unit_id,
         time_limit_amount, time_limit_unit, intake_cutoff, steps, online_level, fee_bearing, paper_result_required,
         search_text, field_key, statutory_parts, field_code)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
      [
        v.procedureId,
        v.version,
        v.effectiveFrom,
        v.createdBy,
        v.name,
        v.field,
        v.unitId,
        v.timeLimitAmount,
        v.timeLimitUnit,
        v.intakeCutoff,
        JSON.stringify(v.steps),
        v.onlineLevel,
        v.feeBearing,
        v.paperResultRequired,
        v.searchText,
        v.fieldKey,
        JSON.stringify(v.statutoryParts),
        v.fieldCode,
      ],
    );
  }

  async updateIdentity(
    tx: ProcedureTx,
    id: string,
    changes: { currentVersion?: number; active?: boolean },
  ): Promise<void> {
    await tx.query(
      `UPDATE procedures SET current_version = COALESCE($2, current_version), active = COALESCE($3, active), updated_at = now() WHERE id = $1`,
      [id, changes.currentVersion ?? null, changes.active ?? null],
    );
  }

  /** Procedures whose any version names the unit as handling unit or as a step's unit. */
  async countUsingUnit(unitId: string, tx: ProcedureTx): Promise<number> {
    const rows: { n: number }[] = await tx.query(
      `SELECT count(DISTINCT procedure_id)::int AS n FROM procedure_versions
       WHERE unit_id = $1 OR steps @> jsonb_build_array(jsonb_build_object('unitId', $1::text))`,
      [unitId],
    );
    return rows[0].n;
  }
}
