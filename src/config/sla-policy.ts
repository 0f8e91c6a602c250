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
  /** Identifier shown on dossiers as `policyVersion` (e.g. "nd61-2018", "nd118-2025"). */
  id: string;
  /** The legal basis, for people (e.g. "Nghị định 118/2025/NĐ-CP"). */
  name: string;
  /** The articles each rule comes from (free text, for people). */
  articles: Readonly<Record<string, string>>;
  /** Decree 118 Art. 19.5: the complete supplement restarts the whole limit (false: pause and resume). */
  supplementRestartsClock: boolean;
  /** Decree 118 Art. 11.2.c, 16.3: supplement requests allowed per dossier (null: no limit). */
  maxSupplementRequests: number | null;
  /** Decree 118 Art. 19.5: working hours after the clock start within which a request is timely (null: no rule). */
  supplementRequestWindowWorkingHours: number | null;
  /** Decree 118 Art. 17.2.c: the same for online dossiers the counter finds incomplete. */
  onlineIncompleteWindowWorkingHours: number | null;
  /** Decree 118 Art. 19.5: days after an unanswered request when the dossier may be closed (null: never). */
  closeAfterSupplementDays: number | null;
  /** Decree 118 Art. 19.6: an extension must be issued before the local start of the due date. */
  extensionBeforeDueDate: boolean;
  /** Decree 118 Art. 18.2: paper dossiers received after this local time ("HH:mm") are handed over the next working day. */
  paperHandoverAfter: string | null;
  /** Decree 118 Art. 28: the dossier code starts with the unit's portal identifier where it has one. */
  codeUsesPortalCode: boolean;
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
  const optNum = (k: string): number | null => (r[k] === undefined || r[k] === null ? null : num(r, k, where));
  const flag = (k: string): boolean => {
    if (r[k] === undefined) return false;
    if (typeof r[k] !== 'boolean') throw new Error(`sla-policy: ${where}${k} must be true or false`);
    return r[k];
  };
  const text = (k: string, fallback: string): string => {
    if (r[k] === undefined) return fallback;
    if (typeof r[k] !== 'string' || r[k].trim() === '') throw new Error(`sla-policy: ${where}${k} must be a text`);
    return r[k];
  };
  const articles = r.articles ?? {};
  if (
    typeof articles !== 'object' ||
    articles === null ||
    Array.isArray(articles) ||
    Object.values(articles).some((v) => typeof v !== 'string')
  ) {
    throw new Error(`sla-policy: ${where}articles must map rule names to texts`);
  }
  const handover = r.paperHandoverAfter ?? null;
  if (handover !== null && (typeof handover !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(handover))) {
    throw new Error(`sla-policy: ${where}paperHandoverAfter must be a local time HH:mm or null`);
  }
  const out: LifecyclePolicyVersion = {
    effectiveFrom: Date.parse(from),
    maxExtensions: num(r, 'maxExtensions', where),
    extensionMinLeadWorkingHours: num(r, 'extensionMinLeadWorkingHours', where),
    lateAfterSupplementRequests: num(r, 'lateAfterSupplementRequests', where),
    id: text('id', i === 0 ? 'nd61-2018' : `v${i + 1}`),
    name: text('name', 'Nghị định 61/2018/NĐ-CP'),
    articles: Object.freeze({ ...(articles as Record<string, string>) }),
    supplementRestartsClock: flag('supplementRestartsClock'),
    maxSupplementRequests: optNum('maxSupplementRequests'),
    supplementRequestWindowWorkingHours: optNum('supplementRequestWindowWorkingHours'),
    onlineIncompleteWindowWorkingHours: optNum('onlineIncompleteWindowWorkingHours'),
    closeAfterSupplementDays: optNum('closeAfterSupplementDays'),
    extensionBeforeDueDate: flag('extensionBeforeDueDate'),
    paperHandoverAfter: handover as string | null,
    codeUsesPortalCode: flag('codeUsesPortalCode'),
  };
  if (out.maxSupplementRequests !== null && !Number.isInteger(out.maxSupplementRequests)) {
    throw new Error(`sla-policy: ${where}maxSupplementRequests must be a whole number or null`);
  }
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
      if (lifecycle.slice(0, i).some((v) => v.id === lifecycle[i].id)) {
        throw new Error(`sla-policy: lifecycle[${i}].id must differ from the earlier versions' ids`);
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
/** The first version with that id (the dossier's policyVersion), or undefined. */
export function lifecyclePolicyById(policy: SlaPolicy, id: string): LifecyclePolicyVersion | undefined {
  return policy.lifecycle.find((v) => v.id === id);
}

export function lifecyclePolicyAt(policy: SlaPolicy, receivedAt: number): LifecyclePolicyVersion {
  let found = policy.lifecycle[0];
  for (const v of policy.lifecycle) if (v.effectiveFrom <= receivedAt) found = v;
  return found;
}

let cached: SlaPolicy | null = null;

export function loadSlaPolicy(): SlaPolicy {
  // SLA_POLICY_FILE: another policy file (a province's own thresholds, or a test's policy versions).
  const file = process.env.SLA_POLICY_FILE || configFile('sla-policy.json');
  cached ??= parseSlaPolicy(JSON.parse(readFileSync(file, 'utf8')));
  return cached;
}
