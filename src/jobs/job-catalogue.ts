import type { JobsOptions } from 'bullmq';

/**
 * The one catalogue of queues and jobs: a typed payload per job, and its options (attempts, backoff,
 * retention) in one place. Job ids derived from Postgres state or from a tick de-duplicate enqueues:
 * BullMQ ignores an add whose jobId already exists, so completed jobs are kept long enough (a day)
 * for a late duplicate to find them.
 */
export const QUEUE_NAMES = ['system', 'sla', 'delivery', 'recompute', 'messages', 'portal'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/**
 * Jobs a worker runs at once per queue, where not WORKER_CONCURRENCY. A recomputation runs until no
 * open dossier is stale (minutes after a calendar edit at provincial scale), and the recompute sweep
 * enqueues one every SWEEP_CRON tick: on the 'system' queue they took every slot, and the heartbeat,
 * report compaction and probes waited for the whole recomputation (a restarted worker showed no sign
 * of life for ~40 s in the faults suite). They have a queue of their own, one at a time per worker
 * (replicas share the work through SKIP LOCKED; more in one process would only contend).
 * Citizens' messages spend their time waiting for the SMS gateway or Zalo (hundreds of ms each):
 * a queue of their own with many at once, so 10,000 results ready in a minute are messaged within
 * the next one, and alert deliveries never wait behind them. Twice MESSAGES_PROVIDER_CONCURRENCY's
 * default: while one provider's slots are all waiting for answers, the next jobs are already
 * claimed (in batches) and ready to send.
 */
export const QUEUE_CONCURRENCY: Partial<Record<QueueName, number>> = { recompute: 1, messages: 128 };

export interface JobPayloads {
  /** Proves the pipeline end to end: writes a row in job_probes. holdMs keeps the job in flight (shutdown drills). */
  'system.probe': { probeId: string; holdMs?: number };
  /** Replays open dossiers computed with an older calendar (after a calendar edit, and as a sweep). */
  'dossiers.recompute': { calendarVersion?: number; tickId?: string };
  /** Keeps the calendar current (official corrections, years generated ahead) and raises the horizon alert. */
  'calendar.maintain': { tickId?: string };
  /** One SLA scan (a tick of SLA_SCAN_CRON, or POST /sla/scan). */
  'sla.scan': { tickId?: string };
  /** Sends one alert_deliveries row (e-mail or webhook). */
  'sla.deliver': { deliveryId: string };
  /** Re-enqueues deliveries still pending (Redis lost them, or their job was never added). */
  'sla.deliveries-sweep': { tickId?: string };
  /** Folds report deltas into report_daily (reports read both, so this only keeps them fast). */
  'reports.compact': { tickId?: string };
  /** Sends one citizen_messages row (SMS, Zalo or e-mail to a citizen). */
  'messages.send': { messageId: string };
  /** Raises `appointment_at_risk` messages and re-adds the jobs of queued messages that are due. */
  'messages.sweep': { tickId?: string };
  /** Sends one dossier's pending record and progress items to the national portal (portal_sync row). */
  'portal.sync': { dossierId: string };
  /** Enqueues a portal.sync for every dossier waiting in portal_sync (a tick of PORTAL_SYNC_CRON). */
  'portal.sweep': { tickId?: string };
  /** Creates the monthly partitions ahead and drops the ledgers' partitions past LEDGER_RETENTION_MONTHS. */
  'partitions.maintain': { tickId?: string };
}
export type JobName = keyof JobPayloads;

interface JobDefinition {
  queue: QueueName;
  options: JobsOptions;
}

const KEEP = { removeOnComplete: { age: 24 * 3600, count: 100_000 }, removeOnFail: { age: 7 * 24 * 3600 } };

export const JOBS: { [K in JobName]: JobDefinition } = {
  'system.probe': {
    queue: 'system',
    options: { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, ...KEEP },
  },
  'dossiers.recompute': {
    queue: 'recompute',
    options: { attempts: 10, backoff: { type: 'exponential', delay: 2000 }, ...KEEP },
  },
  'calendar.maintain': {
    queue: 'system',
    options: { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, ...KEEP },
  },
  'sla.scan': {
    queue: 'sla',
    options: { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, ...KEEP },
  },
  // Attempts and backoff of deliveries come from the configuration (DELIVERY_MAX_ATTEMPTS,
  // DELIVERY_BACKOFF_MS) and are set where the job is added.
  'sla.deliver': {
    queue: 'delivery',
    options: { attempts: 8, backoff: { type: 'exponential', delay: 2000 }, ...KEEP },
  },
  'sla.deliveries-sweep': {
    queue: 'delivery',
    options: { attempts: 1, ...KEEP },
  },
  'reports.compact': {
    queue: 'system',
    options: { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, ...KEEP },
  },
  // Attempts and backoff come from DELIVERY_MAX_ATTEMPTS / DELIVERY_BACKOFF_MS, set where the job is added.
  'messages.send': {
    queue: 'messages',
    options: { attempts: 8, backoff: { type: 'exponential', delay: 2000 }, ...KEEP },
  },
  'messages.sweep': {
    queue: 'messages',
    options: { attempts: 1, ...KEEP },
  },
  // Attempts and backoff come from PORTAL_SYNC_MAX_ATTEMPTS / PORTAL_SYNC_BACKOFF_MS, set where it is added.
  'portal.sync': {
    queue: 'portal',
    options: { attempts: 6, backoff: { type: 'exponential', delay: 5000 }, ...KEEP },
  },
  'portal.sweep': {
    queue: 'portal',
    options: { attempts: 1, ...KEEP },
  },
  'partitions.maintain': {
    queue: 'system',
    options: { attempts: 3, backoff: { type: 'exponential', delay: 10_000 }, ...KEEP },
  },
};

/** Periodic triggers: each tick enqueues one job whose id is derived from the tick instant. */
export interface TickDefinition<K extends JobName = JobName> {
  name: string;
  /** The configuration variable holding the tick's cron expression (Asia/Ho_Chi_Minh). */
  cron: 'HEARTBEAT_CRON' | 'SLA_SCAN_CRON' | 'SWEEP_CRON' | 'REPORTS_COMPACT_CRON' | 'PORTAL_SYNC_CRON';
  job: K;
  payload: (tickId: string) => JobPayloads[K];
}

export const TICKS: TickDefinition[] = [
  { name: 'heartbeat', cron: 'HEARTBEAT_CRON', job: 'system.probe', payload: (tickId) => ({ probeId: tickId }) },
  // Catches calendar edits whose recomputation was not enqueued (Redis down at the time).
  { name: 'recompute-sweep', cron: 'SWEEP_CRON', job: 'dossiers.recompute', payload: (tickId) => ({ tickId }) },
  { name: 'calendar-maintain', cron: 'SWEEP_CRON', job: 'calendar.maintain', payload: (tickId) => ({ tickId }) },
  { name: 'sla-scan', cron: 'SLA_SCAN_CRON', job: 'sla.scan', payload: (tickId) => ({ tickId }) },
  { name: 'deliveries-sweep', cron: 'SWEEP_CRON', job: 'sla.deliveries-sweep', payload: (tickId) => ({ tickId }) },
  { name: 'reports-compact', cron: 'REPORTS_COMPACT_CRON', job: 'reports.compact', payload: (tickId) => ({ tickId }) },
  // Every minute by default: the "three working hours before the appointment" notice is on time.
  { name: 'messages-sweep', cron: 'SLA_SCAN_CRON', job: 'messages.sweep', payload: (tickId) => ({ tickId }) },
  { name: 'portal-sync-sweep', cron: 'PORTAL_SYNC_CRON', job: 'portal.sweep', payload: (tickId) => ({ tickId }) },
  // Cheap when there is nothing to do (a catalog look-up); DDL only at a month's turn.
  { name: 'partitions-maintain', cron: 'SWEEP_CRON', job: 'partitions.maintain', payload: (tickId) => ({ tickId }) },
];
