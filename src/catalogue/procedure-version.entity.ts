import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TimeLimitUnit } from 'src/calendar/working-time';

export const ONLINE_LEVELS = ['none', 'partial', 'full'] as const;
export type OnlineLevel = (typeof ONLINE_LEVELS)[number];

/** A step of the internal process as stored: unit codes are immutable, so both id and code are kept. */
export interface StoredStep {
  name: string;
  unitId: string;
  unitCode: string;
  workingHours: number;
}

/**
 * The rules of a procedure from `effectiveFrom` on. Immutable: a change writes version n + 1, so a
 * dossier is judged by the version in force when it was received.
 */
@Entity('procedure_versions')
export class ProcedureVersionEntity {
  @PrimaryColumn({ name: 'procedure_id', type: 'uuid' }) procedureId!: string;
  @PrimaryColumn({ type: 'integer' }) version!: number;
  @Column({ name: 'effective_from', type: 'timestamptz' }) effectiveFrom!: Date;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy!: string | null;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) field!: string;
  @Column({ name: 'field_code', type: 'text', nullable: true }) fieldCode!: string | null;
  @Column({ name: 'unit_id', type: 'uuid' }) unitId!: string;
  @Column({ name: 'time_limit_amount', type: 'integer' }) timeLimitAmount!: number;
  @Column({ name: 'time_limit_unit', type: 'text' }) timeLimitUnit!: TimeLimitUnit;
  @Column({ name: 'intake_cutoff', type: 'text', nullable: true }) intakeCutoff!: string | null;
  @Column({ type: 'jsonb' }) steps!: StoredStep[];
  @Column({ name: 'online_level', type: 'text' }) onlineLevel!: OnlineLevel;
  @Column({ name: 'fee_bearing', type: 'boolean' }) feeBearing!: boolean;
  @Column({ name: 'paper_result_required', type: 'boolean' }) paperResultRequired!: boolean;
  /** Decree 63/2010 Art. 8(2) parts kept as text: sequence, method, components, applicants. */
  @Column({ name: 'statutory_parts', type: 'jsonb', default: () => "'{}'::jsonb" })
  statutoryParts!: Record<string, string>;
  @Column({ name: 'search_text', type: 'text' }) searchText!: string;
  @Column({ name: 'field_key', type: 'text' }) fieldKey!: string;
}
