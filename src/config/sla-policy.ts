import { readFileSync } from 'node:fs';
import { configFile } from 'src/config/paths';

/**
 * Alert thresholds and lifecycle limits, as data in config/sla-policy.json so a province can
 * change them without code. Validated at load; a bad file stops the process with the key named.
 *
 * The lifecycle limits are versioned like procedures (docs/domain.md, "every lifecycle rule is a
 * versioned policy chosen by the dossier's reception instant"): a version applies to the dossiers
 * received from its `effectiveFrom` on, so lowering a limit never re-judges (nor breaks the replay
 * of) a dossier handled under the old one. Alert thresholds are not versioned: a change applies to
 * deadlines computed from then on.
 */
export interface LifecyclePolicyVersion {
  /** Dossiers received at or after this instant (epoch ms) follow this version. */
  effectiveFrom: number;
  /** Extensions allowed per dossier (docs/domain.md: once, configurable). */
  maxExtensions: number;
  /** Minimum working time between an extension letter and the deadline (old rule: 8 h; default 0). */
  extensionMinLeadWorkingHours: number;
  /** The national portal counts a dossier with more supplement requests than this as late (index). */
  lateAfterSupplementRequests: number;
}

export interface SlaPolicy {
  /** due_soon fires when at most this much working time is left (default 8 h). */
  dueSoonWorkingHours: number;
  /** escalated fires when still overdue this much working time after overdue (default 16 h). */
  escalationWorkingHours: number;
  /** Lifecycle policy versions, by increasing effectiveFrom (at least one). */
  lifecycle: readonly LifecyclePolicyVersion[];
}

const THRESHOLD_KEYS = ['dueSoonWorkingHours', 'escalationWorkingHours'] as const;
const LIFECYCLE_KEYS = ['maxExtensions', 'extensionMinLeadWorkingHours', 'lateAfterSupplementRequests'] as const;
// An instant with its offset (the same strictness as the API's instants).
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

function num(r: Record<string, unknown>, k: string, where: string): number {
  const v = r[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 10_000) {
    throw new Error(`sla-policy: ${where}${k} must be a number between 0 and 10000`);
  }
  return v;
}

function parseVersion(raw: unknown, i: number): LifecyclePolicyVersion {
  const where = `lifecycle[${i}].`;
  if (typeof raw !== 'object' || raw === null) throw new Error(`sla-policy: lifecycle[${i}] is not an object`);
  const r = raw as Record<string, unknown>;
  const from = r.effectiveFrom;
  if (typeof from !== 'string' || !INSTANT.test(from) || Number.isNaN(Date.parse(from))) {
    throw new Error(
      `sla-policy: ${where}effectiveFrom must be an instant with its offset, e.g. 2025-07-01T00:00:00+07:00`,
    );
  }
  const out: LifecyclePolicyVersion = {
    effectiveFrom: Date.parse(from),
    maxExtensions: num(r, 'maxExtensions', where),
    extensionMinLeadWorkingHours: num(r, 'extensionMinLeadWorkingHours', where),
    lateAfterSupplementRequests: num(r, 'lateAfterSupplementRequests', where),
  };
  if (!Number.isInteger(out.maxExtensions)) throw new Error(`sla-policy: ${where}maxExtensions must be a whole number`);
  if (!Number.isInteger(out.lateAfterSupplementRequests)) {
    throw new Error(`sla-policy: ${where}lateAfterSupplementRequests must be a whole number`);
  }
  return Object.freeze(out);
}

export function parseSlaPolicy(raw: unknown): SlaPolicy {
  if (typeof raw !== 'object' || raw === null) throw new Error('sla-policy: not an object');
  const r = raw as Record<string, unknown>;
  const thresholds = Object.fromEntries(THRESHOLD_KEYS.map((k) => [k, num(r, k, '')])) as Record<
    (typeof THRESHOLD_KEYS)[number],
    number
  >;
  let lifecycle: LifecyclePolicyVersion[];
  if (r.lifecycle === undefined && LIFECYCLE_KEYS.some((k) => k in r)) {
    // The unversioned form of earlier releases: one version, in force for every dossier.
    lifecycle = [parseVersion({ ...r, effectiveFrom: '1970-01-01T00:00:00Z' }, 0)];
  } else {
    if (!Array.isArray(r.lifecycle) || r.lifecycle.length === 0) {
      throw new Error('sla-policy: lifecycle must be a non-empty list of policy versions');
    }
    lifecycle = r.lifecycle.map(parseVersion);
    for (let i = 1; i < lifecycle.length; i++) {
      if (lifecycle[i].effectiveFrom <= lifecycle[i - 1].effectiveFrom) {
        throw new Error(`sla-policy: lifecycle[${i}].effectiveFrom must be after lifecycle[${i - 1}]'s`);
      }
    }
  }
  return Object.freeze({ ...thresholds, lifecycle: Object.freeze(lifecycle) });
}

/**
 * The lifecycle policy in force for a dossier received at `receivedAt` (epoch ms): the latest
 * version effective then, or the first version for a dossier received before them all (as for
 * procedures).
 */
export function lifecyclePolicyAt(policy: SlaPolicy, receivedAt: number): LifecyclePolicyVersion {
  let found = policy.lifecycle[0];
  for (const v of policy.lifecycle) if (v.effectiveFrom <= receivedAt) found = v;
  return found;
}

let cached: SlaPolicy | null = null;

export function loadSlaPolicy(): SlaPolicy {
  cached ??= parseSlaPolicy(JSON.parse(readFileSync(configFile('sla-policy.json'), 'utf8')));
  return cached;
}
