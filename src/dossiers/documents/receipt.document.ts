/**
 * Form 01 of Circular 03/2025/TT-VPCP: the receipt given to the applicant at intake (giấy tiếp
 * nhận hồ sơ và hẹn trả kết quả): who received what from whom, when, the appointment, and, for
 * this system, the lookup key with a QR code of the public lookup address.
 */
import { create as createQrCode } from 'qrcode';
import type { TimeLimit } from 'src/calendar/working-time';
import { DOCUMENT_MESSAGES } from 'src/dossiers/documents/documents.messages';
import { formatDateLine, formatInstant } from 'src/dossiers/documents/document-format';
import { createPdf, nationalHeader, Pdf, textAt } from 'src/dossiers/documents/pdf-layout';

const M = DOCUMENT_MESSAGES.receipt;

export interface ReceiptModel {
  /** The receiving unit (the one-stop counter) and its parent. */
  agency: { parentName: string | null; unitName: string };
  code: string;
  applicant: {
    kind: unknown;
    name: string;
    idNumber: string | null;
    address: string | null;
    phone: string | null;
    email: string | null;
  };
  procedure: { code: string; name: string; timeLimit: TimeLimit };
  summary: string | null;
  receivedAt: number;
  /** The appointment given at intake: the statutory due instant as it stood then. */
  appointmentAt: number;
  receiverName: string | null;
  /** The key shown once at intake; null when reprinting without it. */
  lookupKey: string | null;
  lookupUrl: string;
}

/** "10 giờ 00 phút, ngày 25/02/2026" (+07:00). */
export function formatReceiptInstant(at: number): string {
  const [date, time] = formatInstant(at).split(' ');
  const [hh, mm] = time.split(':');
  return M.instant(hh, mm, date);
}

export function timeLimitText(limit: TimeLimit): string {
  return M.limit[limit.unit](limit.amount);
}

/**
 * Draws a QR code of `text` as vector squares (sharp at any print or scan resolution), `size`
 * points wide, with the four-module quiet zone the standard asks for drawn white around it.
 */
export function drawQrCode(doc: Pdf, text: string, x: number, y: number, size: number): void {
  const { modules } = createQrCode(text, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  const quiet = 4;
  const cell = size / (n + 2 * quiet);
  doc.save();
  doc.rect(x, y, size, size).fill('white');
  doc.fillColor('black');
  for (let row = 0; row < n; row++) {
    // One rectangle per horizontal run of dark modules keeps the page small.
    let col = 0;
    while (col < n) {
      if (!modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && modules.get(row, col)) col++;
      doc.rect(x + (quiet + start) * cell, y + (quiet + row) * cell, (col - start) * cell, cell);
    }
  }
  doc.fill('black');
  doc.restore();
}

/** Renders the receipt: portrait A4 with the margins of Decree 30/2020 (left 30 mm, others 20 mm). */
export async function renderReceipt(m: ReceiptModel): Promise<Buffer> {
  const margins = { top: 57, bottom: 57, left: 85, right: 57 };
  const { doc, finish } = createPdf({
    layout: 'portrait',
    margins,
    title: `${M.title} - ${m.code}`,
    author: m.agency.unitName,
    createdAt: new Date(m.receivedAt),
  });
  const x = margins.left;
  const width = doc.page.width - margins.left - margins.right;
  const size = 11;

  let y = nationalHeader(doc, m.agency, { x, y: margins.top, width }, 10);
  const rightX = x + width * 0.42;
  y = textAt(doc, formatDateLine(m.receivedAt), rightX, y + 4, width * 0.58, {
    font: 'italic',
    size: 10.5,
    align: 'center',
  });
  y = textAt(doc, M.title, x, y + 20, width, { font: 'bold', size: 13, align: 'center' });
  y = textAt(doc, `${M.code}: ${m.code}`, x, y + 4, width, { font: 'bold', size: 12, align: 'center' }) + 14;

  const opts = { width, lineGap: 3 } as const;
  /** A line of label and value; the value in bold when it is one of the dossier's particulars. */
  const line = (label: string, value?: string, bold = false) => {
    doc.fontSize(size).font('regular');
    if (value === undefined) {
      doc.text(label, x, y, opts);
    } else {
      doc.text(`${label}: `, x, y, { ...opts, continued: true });
      doc.font(bold ? 'bold' : 'regular').text(value, opts);
    }
    y = doc.y + 4;
  };

  line(M.receivedFrom(m.agency.unitName));
  line(DOCUMENT_MESSAGES.letter.addressee(m.applicant.kind, m.applicant.name));
  if (m.applicant.idNumber) line(M.idNumber, m.applicant.idNumber);
  if (m.applicant.address) line(M.address, m.applicant.address);
  if (m.applicant.phone) line(M.phone, m.applicant.phone);
  if (m.applicant.email) line(M.email, m.applicant.email);
  line(M.request, M.procedure(m.procedure.name, m.procedure.code), true);
  line(M.components, m.summary ?? M.componentsDefault);
  line(M.count);
  line(M.timeLimit, `${timeLimitText(m.procedure.timeLimit)}.`);
  line(M.receivedAt, `${formatReceiptInstant(m.receivedAt)}.`);
  line(M.appointment, `${formatReceiptInstant(m.appointmentAt)}.`, true);
  line(M.returnAt(m.agency.unitName));

  // The lookup box: the key, the address and its QR code side by side.
  y += 8;
  const qrSize = 110;
  const boxH = qrSize + 16;
  if (y + boxH + 120 > doc.page.height - margins.bottom) {
    doc.addPage();
    y = margins.top;
  }
  doc.lineWidth(0.6).rect(x, y, width, boxH).stroke();
  const textW = width - qrSize - 24;
  let ty = y + 8;
  doc
    .fontSize(size)
    .font('regular')
    .text(`${M.lookupKey}: `, x + 8, ty, { width: textW, continued: true });
  if (m.lookupKey) doc.font('bold').fontSize(14).text(m.lookupKey, { width: textW, characterSpacing: 1 });
  else doc.font('italic').text(M.lookupKeyNotReprinted, { width: textW });
  ty = doc.y + 4;
  ty = textAt(doc, M.lookupHint, x + 8, ty, textW, { size: 9.5 }) + 2;
  // Condensed, so that the address stays on one line (it is also what the QR code holds).
  ty = textAt(doc, m.lookupUrl, x + 8, ty, textW, { font: 'condensedBold', size: 9 }) + 4;
  textAt(doc, M.keep, x + 8, ty, textW, { font: 'italic', size: 9 });
  drawQrCode(doc, m.lookupUrl, x + width - qrSize - 8, y + 8, qrSize);
  y += boxH + 18;

  // Signatures: the applicant on the left, the receiving officer on the right.
  const half = width / 2;
  for (const [i, title, name] of [
    [0, M.applicantSigner, m.applicant.name],
    [1, M.receiverSigner, m.receiverName],
  ] as const) {
    const sx = x + i * half;
    let sy = textAt(doc, title, sx, y, half, { font: 'bold', size: 11, align: 'center' });
    sy = textAt(doc, M.signHint, sx, sy + 1, half, { font: 'italic', size: 10, align: 'center' });
    if (name) textAt(doc, name, sx, sy + 56, half, { font: 'bold', size: 11.5, align: 'center' });
  }
  return finish();
}
