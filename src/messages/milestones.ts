/**
 * Which dossier events message the citizen, and with what. The table below is the one place to
 * extend when the lifecycle gains an action (Decree 118/2025's `close` ends a dossier unresolved).
 * Pure: no Nest, no TypeORM.
 */
import { formatVnInstant } from 'src/sla/delivery/delivery.messages';

export const MILESTONES = [
  'received',
  'supplement_requested',
  'payment_requested',
  'result_ready',
  'appointment_at_risk',
  'extended',
  'ended_unresolved',
  'returned',
] as const;
export type Milestone = (typeof MILESTONES)[number];

export const MESSAGE_CHANNELS = ['sms', 'zalo', 'email'] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

/**
 * Action → milestone. `appointment_at_risk` is not an action: the messages sweep raises it three
 * working hours before the appointment when there is no result yet.
 */
export const MILESTONE_OF_ACTION: Readonly<Record<string, Milestone>> = {
  intake: 'received',
  request_supplement: 'supplement_requested',
  request_payment: 'payment_requested',
  resolve: 'result_ready',
  extend: 'extended',
  reject: 'ended_unresolved',
  stop: 'ended_unresolved',
  withdraw: 'ended_unresolved',
  close: 'ended_unresolved',
  return: 'returned',
};

/** How `ended_unresolved` names the ending, by action. */
export const ENDED_LABEL: Readonly<Record<string, string>> = {
  reject: 'từ chối giải quyết',
  stop: 'dừng giải quyết',
  withdraw: 'đã rút theo đề nghị của ông/bà',
  close: 'đóng hồ sơ do quá hạn bổ sung',
};

/** Days the citizen is told they have to bring a supplement (Decree 118/2025: closed after 15 days). */
export const SUPPLEMENT_DAYS = 15;

const VND = new Intl.NumberFormat('vi-VN');

/** What the dossier says at the milestone, as template parameters (strings, already formatted). */
export interface MilestoneFacts {
  action: string;
  at: Date;
  payload: Record<string, unknown>;
  code: string;
  procedureName: string;
  unitName: string;
  lookupUrl: string;
  /** The appointment: the promised instant if any, else the statutory due instant. */
  appointment: Date | null;
  /** For an extension: the appointment before it. */
  previousAppointment: Date | null;
  counterHours: string;
  lookupKey?: string;
}

/** The short sender label SMS texts start with (the unit's name, shortened to fit a segment). */
export function unitShort(name: string): string {
  return name.length <= 30 ? name : `${name.slice(0, 29)}…`;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

export function milestoneParams(milestone: Milestone, f: MilestoneFacts): Record<string, string> {
  const p: Record<string, string> = {
    code: f.code,
    procedureName: f.procedureName,
    unitName: f.unitName,
    unitShort: unitShort(f.unitName),
    lookupUrl: f.lookupUrl,
    appointment: f.appointment ? formatVnInstant(f.appointment) : '',
  };
  switch (milestone) {
    case 'received':
      p.lookupKey = f.lookupKey ?? '';
      break;
    case 'supplement_requested': {
      const items = Array.isArray(f.payload.items) ? (f.payload.items as unknown[]).map(str).filter(Boolean) : [];
      p.items = items.join('; ');
      p.reason = str(f.payload.reason);
      p.supplementBy = formatVnInstant(new Date(f.at.getTime() + SUPPLEMENT_DAYS * 86_400_000)).slice(0, 10);
      break;
    }
    case 'payment_requested':
      p.amount = `${VND.format(Number(f.payload.amount ?? 0))} đồng`;
      break;
    case 'result_ready':
      p.place = `Bộ phận Một cửa – ${f.unitName}`;
      p.counterHours = f.counterHours;
      break;
    case 'extended':
      p.oldAppointment = f.previousAppointment ? formatVnInstant(f.previousAppointment) : '';
      p.newAppointment = f.appointment ? formatVnInstant(f.appointment) : '';
      p.reason = str(f.payload.reason);
      break;
    case 'ended_unresolved':
      p.endedLabel = ENDED_LABEL[f.action] ?? 'kết thúc';
      p.reason = str(f.payload.reason) || 'không ghi';
      break;
    case 'returned':
      p.ratingUrl = f.lookupUrl;
      break;
    case 'appointment_at_risk':
      break;
  }
  return p;
}
