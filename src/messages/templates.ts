import { readFileSync } from 'node:fs';
import { configFile } from 'src/config/paths';
import { MILESTONES, type Milestone } from 'src/messages/milestones';
import { smsSegments, toGsm7 } from 'src/messages/message-rules';

/** config/messages/templates.json: one Vietnamese template per milestone and channel, versioned. */
export interface MessageTemplates {
  version: string;
  sms: { unicode: boolean; maxSegments: number };
  costs: { smsSegmentVnd: number; zaloMessageVnd: number; emailVnd: number };
  milestones: Record<
    Milestone,
    {
      sms: string;
      zalo: { templateId: string; data: Record<string, string> };
      email: { subject: string; body: string };
    }
  >;
}

export type MessageParams = Record<string, string>;

let cached: MessageTemplates | null = null;

/** Reads and checks the templates once: every milestone has its three templates. */
export function loadTemplates(): MessageTemplates {
  if (cached) return cached;
  const t = JSON.parse(readFileSync(configFile('messages/templates.json'), 'utf8')) as MessageTemplates;
  if (typeof t.version !== 'string' || !t.version) throw new Error('messages/templates.json: version is required');
  for (const m of MILESTONES) {
    const e = t.milestones?.[m];
    if (!e || typeof e.sms !== 'string' || !e.zalo?.templateId || !e.email?.subject || !e.email?.body)
      throw new Error(`messages/templates.json: milestone ${m} needs sms, zalo and email templates`);
  }
  cached = t;
  return t;
}

/** `{name}` replaced by the parameter (an unknown one by an empty string). */
export function fill(template: string, params: MessageParams): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (_, k: string) => params[k] ?? '');
}

/** The SMS text of a milestone: without diacritics unless `sms.unicode`; with its segments. */
export function renderSms(
  t: MessageTemplates,
  milestone: Milestone,
  params: MessageParams,
): { text: string; unicode: boolean; segments: number } {
  let text = fill(t.milestones[milestone].sms, params).replace(/\s+/g, ' ').trim();
  if (!t.sms.unicode) text = toGsm7(text);
  let seg = smsSegments(text);
  // Over the budget: cut the text (a long reason or list), never the cost.
  const per = seg.encoding === 'gsm7' ? 153 : 67;
  if (seg.segments > t.sms.maxSegments) {
    text = t.sms.unicode
      ? `${text.slice(0, t.sms.maxSegments * per - 1)}…`
      : `${text.slice(0, t.sms.maxSegments * per - 3)}...`;
    seg = smsSegments(text);
  }
  return { text, unicode: seg.encoding === 'ucs2', segments: seg.segments };
}

/** ZNS template parameters; Zalo caps most parameter values (30 characters for codes, 200 for text). */
export function renderZalo(
  t: MessageTemplates,
  milestone: Milestone,
  params: MessageParams,
): { templateId: string; data: Record<string, string> } {
  const z = t.milestones[milestone].zalo;
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(z.data)) data[k] = fill(v, params).slice(0, 200);
  return { templateId: z.templateId, data };
}

export function renderEmail(
  t: MessageTemplates,
  milestone: Milestone,
  params: MessageParams,
): { subject: string; body: string } {
  const e = t.milestones[milestone].email;
  return { subject: fill(e.subject, params), body: fill(e.body, params) };
}
