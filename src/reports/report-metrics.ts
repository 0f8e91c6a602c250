/**
 * The additive metrics kept per (handling unit, procedure, field, local day) in report_daily, from
 * which every 06a count and every computed index ratio is a sum over a range of days. Shared by the
 * migration that creates the tables and the queries that read them. DOMAIN.md defines the counts;
 * how each metric is contributed by a dossier is in migrations/1764900000000-reports.ts.
 *
 * Interval metrics (`open_n`, `overdue_n`, `within_multi`) carry +1 on the day a state begins and
 * -1 on the day it ends, so "in that state at the end of day D" is the sum over all days <= D.
 */
export const REPORT_METRICS = [
  'recv_online',
  'recv_direct',
  'open_n',
  'res_early',
  'res_on_time',
  'res_late',
  'wd_good',
  'wd_late',
  'overdue_n',
  'good_multi',
  'within_multi',
  'res_resolve',
  'res_eresult',
  'res_complaint',
  'recv_digitised',
  'recv_ecert',
  'recv_reused',
  'recv_pds',
  'recv_popdata',
  'recv_synced',
  'recv_fee',
  'recv_paid_online',
] as const;
export type ReportMetric = (typeof REPORT_METRICS)[number];
