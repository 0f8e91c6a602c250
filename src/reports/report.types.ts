/**
 * The shapes of the three reports (docs/http-api.md "Reports"): what the JSON answers carry and what the
 * csv / xlsx / pdf exports render. No Nest or TypeORM here.
 */

/** The form-06a counts (docs/domain.md "Periodic processing report"), in API order. */
export const COUNT_KEYS = [
  'receivedTotal',
  'receivedOnline',
  'receivedDirect',
  'carriedOver',
  'resolvedTotal',
  'resolvedEarly',
  'resolvedOnTime',
  'resolvedLate',
  'withdrawn',
  'inProgressTotal',
  'inProgressWithin',
  'inProgressOverdue',
] as const;
export type CountKey = (typeof COUNT_KEYS)[number];
export type Counts06a = Record<CountKey, number>;

export const GROUP_BYS = ['unit', 'field', 'procedure'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export interface ProcessingRow extends Counts06a {
  unitCode: string;
  unitName: string;
  /** groupBy=field: the field (lĩnh vực). */
  field?: string;
  /** groupBy=procedure: the procedure's code and name. */
  procedureCode?: string;
  procedureName?: string;
}

export interface ProcessingReport {
  /** Local dates, both inclusive. */
  from: string;
  to: string;
  groupBy: GroupBy;
  /** The unit whose subtree the report covers. */
  unitCode: string;
  unitName: string;
  generatedAt: string;
  rows: ProcessingRow[];
  total: Counts06a;
  /** A closed period's answer, read from its snapshot (closed periods). */
  frozen?: boolean;
  version?: number;
  hash?: string;
  closedAt?: string;
  /** An open period right after a closed one: the adjustments recorded against that one since. */
  carriedAdjustments?: CarriedAdjustment[];
}

export interface CarriedAdjustment {
  period: string;
  version: number;
  figure: string;
  /** Index figures: the part of the fraction that changes. */
  part?: 'numerator' | 'denominator';
  delta: number;
  dossiers: number;
  /** Catalogue indicators: the procedures behind the adjustment. */
  procedures?: number;
}

export const INDEX_GROUP_KEYS = [
  'transparency',
  'progress',
  'online_service',
  'online_payment',
  'digitisation',
  'satisfaction',
] as const;
export type IndexGroupKey = (typeof INDEX_GROUP_KEYS)[number];

export interface IndexIndicator {
  key: string;
  label: string;
  /** The national portal's indicator number ("2.1"); null for indicators not in its document. */
  portalRef: string | null;
  /** How it is computed: numerator, denominator, period basis, and the rules chosen where the portal is silent. */
  method: string;
  points: number;
  max: number;
  /** numerator / denominator (or the entered ratio); null when there is nothing to measure. */
  ratio: number | null;
  numerator: number | null;
  denominator: number | null;
  source: 'computed' | 'entered';
  /** Entered indicators: who entered the ratio and when (null when not entered yet). */
  enteredBy?: string | null;
  enteredAt?: string | null;
}

export interface IndexGroup {
  key: IndexGroupKey;
  label: string;
  points: number;
  max: number;
  indicators: IndexIndicator[];
}

export interface IndexUnit {
  unitCode: string;
  unitName: string;
  total: number;
  /** 1-based; ties share a rank (1, 2, 2, 4). */
  rank: number;
  band: string | null;
  groups: IndexGroup[];
}

export interface IndexReport {
  /** 2026, 2026-H1, 2026-Q1 or 2026-03. */
  period: string;
  from: string;
  to: string;
  unitCode: string;
  unitName: string;
  generatedAt: string;
  units: IndexUnit[];
  /** A closed period's answer, read from its snapshot (closed periods). */
  frozen?: boolean;
  version?: number;
  hash?: string;
  /** The period right after a closed one: the index adjustments carried from it. */
  carriedAdjustments?: CarriedAdjustment[];
  closedAt?: string;
}

export interface OfficialRow {
  userId: string;
  username: string;
  fullName: string;
  unitCode: string;
  unitName: string;
  stepsHandled: number;
  stepsEarly: number;
  stepsOnTime: number;
  stepsLate: number;
  /** (early + on time) / handled; null when nothing was handled. */
  onTimeRate: number | null;
  /** The annual evaluation's figures (officials' annual record). */
  supplementRequests?: number;
  supplementBreaches?: number;
  ratedVerySatisfied?: number;
  ratedSatisfied?: number;
  ratedDissatisfied?: number;
  conductFeedback?: number;
  conductFeedbackUpheld?: number;
  extensionsCaused?: number;
}

export interface OfficialsReport {
  from: string;
  to: string;
  unitCode: string;
  unitName: string;
  generatedAt: string;
  rows: OfficialRow[];
  total: {
    stepsHandled: number;
    stepsEarly: number;
    stepsOnTime: number;
    stepsLate: number;
    onTimeRate: number | null;
  };
}

export const EXPORT_FORMATS = ['csv', 'xlsx', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A rendered export: bytes, content type and a file name carrying the report, unit and period. */
export interface ExportFile {
  body: Buffer;
  contentType: string;
  fileName: string;
}
