import { readFileSync } from 'node:fs';
import { configFile } from 'src/config/paths';

/**
 * Alert thresholds and lifecycle limits, as data in config/sla-policy.json so a province can
 * change them without code. Validated at load; a bad file stops the process with the key named.
 */
export interface SlaPolicy {
  /** due_soon fires when at most this much working time is left (default 8 h). */
  dueSoonWorkingHours: number;
  /** escalated fires when still overdue this much working time after overdue (default 16 h). */
  escalationWorkingHours: number;
  /** Extensions allowed per dossier (docs/domain.md: once, configurable). */
  maxExtensions: number;
  /** Minimum working time between an extension letter and the deadline (old rule: 8 h; default 0). */
  extensionMinLeadWorkingHours: number;
  /** The national portal counts a dossier with more supplement requests than this as late (index). */
  lateAfterSupplementRequests: number;
}

const KEYS: (keyof SlaPolicy)[] = [
  'dueSoonWorkingHours',
  'escalationWorkingHours',
  'maxExtensions',
  'extensionMinLeadWorkingHours',
  'lateAfterSupplementRequests',
];

export function parseSlaPolicy(raw: unknown): SlaPolicy {
  if (typeof raw !== 'object' || raw === null) throw new Error('sla-policy: not an object');
  const r = raw as Record<string, unknown>;
  const out = {} as SlaPolicy;
  for (const k of KEYS) {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 10_000) {
      throw new Error(`sla-policy: ${k} must be a number between 0 and 10000`);
    }
    out[k] = v;
  }
  if (!Number.isInteger(out.maxExtensions)) throw new Error('sla-policy: maxExtensions must be a whole number');
  return Object.freeze(out);
}

let cached: SlaPolicy | null = null;

export function loadSlaPolicy(): SlaPolicy {
  cached ??= parseSlaPolicy(JSON.parse(readFileSync(configFile('sla-policy.json'), 'utf8')));
  return cached;
}
