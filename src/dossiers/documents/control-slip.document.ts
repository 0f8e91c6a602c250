/**
 * Form 06 of Circular 03/2025/TT-VPCP: the process-control slip (phiếu kiểm soát quá trình giải
 * quyết hồ sơ): one row per hand-over with the giving and receiving unit and person, the
 * hand-over instant, the step's due instant and completion, and the step's result.
 */
import type { DossierState, Outcome } from 'src/dossiers/lifecycle';
import { DOCUMENT_MESSAGES } from 'src/dossiers/documents/documents.messages';
import { formatInstant } from 'src/dossiers/documents/document-format';
import {
  Cell,
  createPdf,
  nationalHeader,
  pageNumbers,
  table,
  TableColumn,
  textAt,
} from 'src/dossiers/documents/pdf-layout';

const M = DOCUMENT_MESSAGES.slip;

export interface SlipParty {
  unit: string;
  person: string | null;
}

export interface SlipRow {
  no: number;
  step: string;
  giver: SlipParty;
  receiver: SlipParty;
  handedOverAt: number;
  dueAt: number | null;
  completedAt: number | null;
  result: Outcome | null;
  note: string | null;
}

export interface ControlSlipModel {
  /** The issuing agency (the receiving unit, where the slip travels with the dossier) and its parent. */
  agency: { parentName: string | null; unitName: string };
  code: string;
  procedure: string;
  applicantName: string;
  handlingUnit: string;
  receivedAt: number;
  /** Statutory due instant; while paused, the one the clock had when it was paused. */
  dueAt: number;
  paused: boolean;
  promisedAt: number | null;
  statusLabel: string;
  outcome: Outcome | null;
  endedAt: number | null;
  printedAt: number;
  rows: SlipRow[];
}

/** Names for codes and ids (a unit code with no unit, or an unknown user, prints as given / blank). */
export interface Names {
  unit(code: string): string;
  user(id: string | null): string | null;
}

/**
 * The slip's rows from a dossier's step records. The first record is the intake: the applicant
 * hands the dossier to the counter, whose receiving officer is the intake's actor; every later
 * record is a forward by its actor to the step's unit and assignee. `notes` holds the hand-over
 * note of each record (the forward's `note`), by position.
 */
export function slipRows(
  state: DossierState,
  names: Names,
  applicantName: string,
  notes: (string | null)[] = [],
): SlipRow[] {
  const paused = state.clock.pausedSince !== null;
  return state.steps.map((s, i) => {
    const current = state.currentStep === i;
    const statusNote = current ? (paused || s.dueAt === null ? M.paused : M.inProgress) : null;
    const note = [statusNote, notes[i] ?? null].filter((x): x is string => !!x).join('; ') || null;
    const receiver = {
      unit: names.unit(s.toUnitCode),
      person: names.user(i === 0 ? s.handedOverBy : s.assigneeUserId),
    };
    const giver =
      i === 0
        ? { unit: M.applicantGives, person: applicantName }
        : { unit: names.unit(s.fromUnitCode), person: names.user(s.handedOverBy) };
    return {
      no: i + 1,
      step: s.name,
      giver,
      receiver,
      handedOverAt: s.handedOverAt,
      dueAt: s.dueAt,
      completedAt: s.completedAt,
      result: s.result,
      note,
    };
  });
}

/**
 * The note of each step record, by position: the intake opens record 0 and every forward or recall
 * opens the next one (lifecycle.ts). A record's note is its forward's note or its recall's reason,
 * followed by the directive comments written while it was the current one.
 */
export function handOverNotes(events: { action: string; payload: Record<string, unknown> }[]): (string | null)[] {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v : null);
  const notes: (string | null)[] = [null];
  for (const e of events) {
    if (e.action === 'forward') notes.push(text(e.payload.note));
    else if (e.action === 'recall') {
      const reason = text(e.payload.reason);
      notes.push(reason && `${M.recalled}: ${reason}`);
    } else if (e.action === 'comment' && text(e.payload.text)) {
      const last = notes.length - 1;
      const line = `${M.comment}: ${String(e.payload.text)}`;
      notes[last] = notes[last] ? `${notes[last]}\n${line}` : line;
    }
  }
  return notes;
}

/** Widths in points for the 770 pt of a landscape A4 page between 36 pt margins (scaled if that changes). */
const COLUMNS: TableColumn[] = [
  { title: M.columns.index, weight: 26, align: 'center' },
  { title: M.columns.step, weight: 72 },
  { title: M.columns.giver, weight: 136, group: M.columns.agency },
  { title: M.columns.receiver, weight: 136, group: M.columns.agency },
  { title: M.columns.handedOverAt, weight: 80, align: 'center' },
  { title: M.columns.stepDueAt, weight: 80, align: 'center' },
  { title: M.columns.completedAt, weight: 80, align: 'center' },
  { title: M.columns.result, weight: 76, align: 'center' },
  { title: M.columns.note, weight: 84 },
];

function party(p: SlipParty, personLabel: string): Cell {
  return [{ text: p.unit, font: 'condensedBold' }, { text: `${personLabel}: ${p.person ?? DOCUMENT_MESSAGES.none}` }];
}

export function slipTableRows(rows: SlipRow[]): Cell[][] {
  const one = (text: string, font?: 'condensedBold'): Cell => [{ text, font }];
  return rows.map((r) => [
    one(String(r.no)),
    one(r.step),
    party(r.giver, M.giverPerson),
    party(r.receiver, M.receiverPerson),
    one(formatInstant(r.handedOverAt)),
    one(formatInstant(r.dueAt)),
    one(formatInstant(r.completedAt)),
    one(r.result ? DOCUMENT_MESSAGES.outcome[r.result] : '', 'condensedBold'),
    one(r.note ?? ''),
  ]);
}

/** Renders the slip: landscape A4, the national header, the dossier's particulars, the table. */
export async function renderControlSlip(m: ControlSlipModel): Promise<Buffer> {
  const margins = { top: 30, bottom: 34, left: 36, right: 36 };
  const { doc, finish } = createPdf({
    layout: 'landscape',
    margins,
    title: `${M.title} - ${m.code}`,
    author: m.agency.unitName,
    createdAt: new Date(m.printedAt),
  });
  const x = margins.left;
  const width = doc.page.width - margins.left - margins.right;
  const bottom = () => doc.page.height - margins.bottom;

  let y = nationalHeader(doc, m.agency, { x, y: margins.top, width }, 10);
  y = textAt(doc, M.title, x, y + 10, width, { font: 'bold', size: 14, align: 'center' }) + 8;

  const due = formatInstant(m.dueAt);
  const left: [string, string][] = [
    [M.code, m.code],
    [M.procedure, m.procedure],
    [M.applicant, m.applicantName],
    [M.handlingUnit, m.handlingUnit],
  ];
  const right: [string, string][] = [
    [M.receivedAt, formatInstant(m.receivedAt)],
    [M.dueAt, m.paused ? M.duePaused(due) : due],
    ...(m.promisedAt !== null ? [[M.promisedAt, formatInstant(m.promisedAt)] as [string, string]] : []),
    [M.status, m.statusLabel],
    ...(m.outcome !== null
      ? [[M.outcome, M.outcomeAt(DOCUMENT_MESSAGES.outcome[m.outcome], formatInstant(m.endedAt))] as [string, string]]
      : []),
  ];
  const colW = width / 2 - 10;
  const block = (pairs: [string, string][], bx: number) => {
    let by = y;
    for (const [label, value] of pairs) {
      doc.font('italic').fontSize(10).text(`${label}: `, bx, by, { width: colW, continued: true, lineGap: 1.5 });
      doc.font(label === M.code ? 'bold' : 'regular').text(value, { lineGap: 1.5 });
      by = doc.y;
    }
    return by;
  };
  y = Math.max(block(left, x), block(right, x + width / 2 + 10)) + 10;

  const newPage = () => {
    doc.addPage();
    return margins.top;
  };
  y = table(
    doc,
    { x, y, width, bottom: bottom() },
    COLUMNS,
    slipTableRows(m.rows),
    { size: 8.5, headerSize: 8, pad: 3.5 },
    newPage,
  );

  if (y + 16 > bottom()) y = newPage();
  textAt(doc, M.printedAt(formatInstant(m.printedAt)), x, y + 6, width, { font: 'italic', size: 8.5, align: 'right' });
  pageNumbers(doc, 8);
  return finish();
}
