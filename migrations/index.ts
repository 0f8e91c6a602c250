import { Foundation1764300000000 } from './1764300000000-foundation';
import { CatalogueCalendar1764400000000 } from './1764400000000-catalogue-calendar';
import { Dossiers1764500000000 } from './1764500000000-dossiers';
import { Sla1764600000000 } from './1764600000000-sla';
import { Citizens1764700000000 } from './1764700000000-citizens';
import { ScanIndexes1764800000000 } from './1764800000000-scan-indexes';
import { Reports1764900000000 } from './1764900000000-reports';
import { CalendarHorizon1765000000000 } from './1765000000000-calendar-horizon';
import { QueueIndexes1765200000000 } from './1765200000000-queue-indexes';
import { LifecyclePolicyVersions1765100000000 } from './1765100000000-lifecycle-policy-versions';
import { SatisfactionLateRule1765100000001 } from './1765100000001-satisfaction-late-rule';
import { DeliveryClaims1765300000000 } from './1765300000000-delivery-claims';
import { PausedOverdueAlerts1765100000002 } from './1765100000002-paused-overdue-alerts';
import { PortalIdentifiers1765350000000 } from './1765350000000-portal-identifiers';
import { Decree1182025_1765400000000 } from './1765400000000-decree-118';
import { Index766PortalMethod1765500000000 } from './1765500000000-index-766-portal-method';
import { CitizenMessages1765700000000 } from './1765700000000-citizen-messages';
import { TransparencyClosedPeriods1765800000000 } from './1765800000000-transparency-closed-periods';
import { CounterSearch1765900000000 } from './1765900000000-counter-search';
import { Exchange1765600000000 } from './1765600000000-exchange';
import { WritePath1766200000000 } from './1766200000000-write-path';
import { PartitionedLedgers1766300000000 } from './1766300000000-partitioned-ledgers';
import { BookImports1766400000000 } from './1766400000000-book-imports';
import { PortalSyncAlert1766400000001 } from './1766400000001-portal-sync-alert';
import { ClosedPeriodIndexAdjustments1766500000000 } from './1766500000000-closed-period-index-adjustments';
import { ClaimCitizenMessagesBatch1766500000001 } from './1766500000001-claim-citizen-messages-batch';
import { ClosedPeriodItemAdjustments1766800000000 } from './1766800000000-closed-period-item-adjustments';
import { ReportContributionsSyncedColumn1766700000000 } from './1766700000000-report-contributions-synced-column';
import { EventSequenceHeads1766840000000 } from './1766840000000-event-sequence-heads';
import { PortalSyncLanes1766820000000 } from './1766820000000-portal-sync-lanes';
import { ReportTriggersChangedRows1766900000000 } from './1766900000000-report-triggers-changed-rows';
import { DossierSearchTable1766910000000 } from './1766910000000-dossier-search-table';
import { DossierUnitsTable1766940000000 } from './1766940000000-dossier-units-table';
import { DossiersAnalyzeColumns1766950000000 } from './1766950000000-dossiers-analyze-columns';
import { EventPayloadStatistics1766960000000 } from './1766960000000-event-payload-statistics';
import { ReportContributionsOnce1766970000000 } from './1766970000000-report-contributions-once';
import { EventTriggersPerDossier1766980000000 } from './1766980000000-event-triggers-per-dossier';
import { FedDossiersSynced1766990000000 } from './1766990000000-fed-dossiers-synced';
import { ProcedureFieldCode1767000000000 } from './1767000000000-procedure-field-code';
import { EscalationFromOverdue1767010000000 } from './1767010000000-escalation-from-overdue';
import { PortalRecordChanges1767020000000 } from './1767020000000-portal-record-changes';
import { EventExternalOnce1766920000000 } from './1766920000000-event-external-once';
import { PeriodAdjustmentsDatedBy1766930000000 } from './1766930000000-period-adjustments-dated-by';

/** Every migration, in order. A generated migration is added here after it has been read. */
export const MIGRATIONS = [
  Foundation1764300000000,
  CatalogueCalendar1764400000000,
  Dossiers1764500000000,
  Sla1764600000000,
  Citizens1764700000000,
  ScanIndexes1764800000000,
  Reports1764900000000,
  CalendarHorizon1765000000000,
  LifecyclePolicyVersions1765100000000,
  SatisfactionLateRule1765100000001,
  PausedOverdueAlerts1765100000002,
  QueueIndexes1765200000000,
  DeliveryClaims1765300000000,
  PortalIdentifiers1765350000000,
  Decree1182025_1765400000000,
  Index766PortalMethod1765500000000,
  Exchange1765600000000,
  CitizenMessages1765700000000,
  TransparencyClosedPeriods1765800000000,
  CounterSearch1765900000000,
  WritePath1766200000000,
  PartitionedLedgers1766300000000,
  BookImports1766400000000,
  PortalSyncAlert1766400000001,
  ClosedPeriodIndexAdjustments1766500000000,
  ClaimCitizenMessagesBatch1766500000001,
  ReportContributionsSyncedColumn1766700000000,
  ClosedPeriodItemAdjustments1766800000000,
  PortalSyncLanes1766820000000,
  EventSequenceHeads1766840000000,
  ReportTriggersChangedRows1766900000000,
  DossierSearchTable1766910000000,
  EventExternalOnce1766920000000,
  PeriodAdjustmentsDatedBy1766930000000,
  DossierUnitsTable1766940000000,
  DossiersAnalyzeColumns1766950000000,
  EventPayloadStatistics1766960000000,
  ReportContributionsOnce1766970000000,
  EventTriggersPerDossier1766980000000,
  FedDossiersSynced1766990000000,
  ProcedureFieldCode1767000000000,
  EscalationFromOverdue1767010000000,
  PortalRecordChanges1767020000000,
];
