/**
 * Form 04 of Circular 03/2025/TT-VPCP: the apology and new appointment letter (phiếu xin lỗi và
 * hẹn lại ngày trả kết quả), issued by the unit responsible for the delay and signed by its head.
 */
import { DOCUMENT_MESSAGES } from 'src/dossiers/documents/documents.messages';
import { formatDateLine, formatInstant } from 'src/dossiers/documents/document-format';
import { createPdf, nationalHeader, pageNumbers, textAt } from 'src/dossiers/documents/pdf-layout';

const M = DOCUMENT_MESSAGES.letter;

export interface ExtensionLetterModel {
  /** The responsible unit (payload.responsibleUnitCode) and its parent. */
  agency: { parentName: string | null; unitName: string };
  receivingUnitName: string;
  /** The extension event's instant: the date of the letter. */
  issuedAt: number;
  applicant: { name: string; kind: unknown };
  code: string;
  procedureName: string;
  receivedAt: number;
  /** The statutory due instant (the appointment on the receipt) as it stood when the letter was issued. */
  appointmentAt: number;
  reason: string;
  promisedAt: number;
  signerName: string | null;
}

/** Renders the letter: portrait A4 with the margins of Decree 30/2020 (left 30 mm, others 20 mm). */
export async function renderExtensionLetter(m: ExtensionLetterModel): Promise<Buffer> {
  const margins = { top: 57, bottom: 57, left: 85, right: 57 };
  const { doc, finish } = createPdf({
    layout: 'portrait',
    margins,
    title: `${M.title} - ${m.code}`,
    author: m.agency.unitName,
    createdAt: new Date(m.issuedAt),
  });
  const x = margins.left;
  const width = doc.page.width - margins.left - margins.right;
  const size = 11.5;
  const addressee = M.addressee(m.applicant.kind, m.applicant.name);
  const salutation = M.reference(m.applicant.kind);

  let y = nationalHeader(doc, m.agency, { x, y: margins.top, width }, 10);
  const rightX = x + width * 0.42;
  y = textAt(doc, formatDateLine(m.issuedAt), rightX, y + 4, width * 0.58, {
    font: 'italic',
    size: 10.5,
    align: 'center',
  });

  y = textAt(doc, M.title, x, y + 22, width, { font: 'bold', size: 13, align: 'center' });
  y = textAt(doc, `${M.to}: ${addressee}`, x, y + 10, width, { size, align: 'center' }) + 14;

  const opts = { width, align: 'justify', lineGap: 3, indent: 28 } as const;
  /** A justified paragraph of runs; bold runs carry the dossier's particulars. */
  const paragraph = (...parts: (string | { bold: string })[]) => {
    doc.fontSize(size);
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      doc.font(typeof part === 'string' ? 'regular' : 'bold');
      const text = typeof part === 'string' ? part : part.bold;
      if (i === 0) doc.text(text, x, y, { ...opts, continued: !last });
      else doc.text(text, { ...opts, continued: !last });
    });
    y = doc.y + 6;
  };

  paragraph(M.received(formatDateLine(m.receivedAt), m.receivingUnitName, m.procedureName, addressee));
  paragraph(`${M.code}: `, { bold: m.code }, '.');
  paragraph(`${M.appointment}: `, { bold: formatInstant(m.appointmentAt) }, '.');
  paragraph(M.delay(m.agency.unitName, salutation));
  paragraph(`${M.reason}: ${m.reason}`);
  paragraph(`${M.apology(m.agency.unitName, salutation)} `, { bold: formatInstant(m.promisedAt) }, '.');
  paragraph(M.understanding(salutation));
  paragraph(M.regards);

  // Signature block on the right, recipients on the left (Decree 30/2020 layout); kept whole.
  y += 8;
  if (y + 130 > doc.page.height - margins.bottom) {
    doc.addPage();
    y = margins.top;
  }
  const leftW = width * 0.42;
  const rightW = width - leftW;
  let yl = textAt(doc, M.recipients, x, y, leftW, { font: 'bold', size: 10 });
  for (const line of M.recipientLines) yl = textAt(doc, line, x, yl + 1, leftW, { size: 9.5 });
  let yr = textAt(doc, M.signerTitle, x + leftW, y, rightW, { font: 'bold', size: 11, align: 'center' });
  yr = textAt(doc, M.signerHint, x + leftW, yr + 1, rightW, { font: 'italic', size: 10, align: 'center' });
  if (m.signerName)
    textAt(doc, m.signerName, x + leftW, yr + 62, rightW, { font: 'bold', size: 11.5, align: 'center' });
  pageNumbers(doc, 9);
  return finish();
}
