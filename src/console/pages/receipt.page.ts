import { toString as qrSvg } from 'qrcode';
import { html, Html, raw } from 'src/console/html';
import { DOCUMENT_MESSAGES } from 'src/dossiers/documents/documents.messages';
import { formatDateLine } from 'src/dossiers/documents/document-format';
import { formatReceiptInstant, ReceiptModel, timeLimitText } from 'src/dossiers/documents/receipt.document';

const M = DOCUMENT_MESSAGES.receipt;

const CSS = `
@font-face { font-family: 'ConsoleSans'; src: url('/console/assets/sans.ttf') format('truetype'); font-weight: 400; font-display: block; }
@font-face { font-family: 'ConsoleSans'; src: url('/console/assets/sans-bold.ttf') format('truetype'); font-weight: 700; font-display: block; }
@page { size: A4 portrait; margin: 20mm 20mm 20mm 30mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: 'ConsoleSans', serif; font-size: 14px; color: #000; background: #e9ecef; line-height: 1.45; }
.sheet { background: #fff; max-width: 210mm; margin: 12px auto; padding: 20mm 20mm 20mm 30mm; }
.head { display: flex; gap: 8px; text-align: center; font-size: 13px; }
.head > div:first-child { flex: 0 0 42%; } .head > div:last-child { flex: 1; }
.rule { width: 90px; border-top: 1px solid #000; margin: 3px auto 0; }
.date { text-align: right; font-style: italic; margin: 10px 0 14px; }
h1 { font-size: 17px; text-align: center; margin: 8px 0 2px; } .code { text-align: center; font-weight: 700; margin-bottom: 14px; }
p { margin: 4px 0; }
.lookup { display: flex; gap: 12px; border: 1px solid #000; padding: 8px; margin: 14px 0; align-items: flex-start; }
.lookup .key { font-size: 20px; font-weight: 700; letter-spacing: 2px; }
.lookup .url { font-weight: 700; font-size: 12px; word-break: break-all; }
.lookup svg { width: 34mm; height: 34mm; flex: 0 0 auto; }
.signs { display: flex; text-align: center; margin-top: 12px; } .signs > div { flex: 1; } .signs .name { margin-top: 60px; font-weight: 700; }
.tools { max-width: 210mm; margin: 12px auto; display: flex; gap: 12px; flex-wrap: wrap; }
.tools a, .tools button { font: inherit; background: #0b4f8a; color: #fff; border: 0; border-radius: 4px; padding: 7px 14px; cursor: pointer; text-decoration: none; }
.tools a.secondary { background: #fff; color: #0b4f8a; border: 1px solid #0b4f8a; }
@media print { body { background: #fff; } .tools { display: none; } .sheet { margin: 0; padding: 0; max-width: none; } }
@media (max-width: 600px) { .sheet { padding: 12px; } .head { flex-direction: column; } }
`;

/**
 * The receipt (form 01) as a page that prints itself: the same model and wording as the PDF
 * (ReceiptService.model), so the clerk's "In" opens the print dialog at once; the PDF stays one
 * click away for a file. The QR code is an SVG of the public lookup address.
 */
export async function receiptPrintPage(m: ReceiptModel, back: string, pdfHref: string): Promise<Html> {
  const qr = await qrSvg(m.lookupUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
  const a = m.applicant;
  const row = (label: string, value: string | null, bold = false) =>
    value ? html`<p>${label}: ${bold ? html`<strong>${value}</strong>` : value}</p>` : '';
  return html`<!doctype html>
    <html lang="vi">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${M.title} - ${m.code}</title>
        <style>
          ${raw(CSS)}
        </style>
      </head>
      <body>
        <nav class="tools" aria-label="Công cụ in">
          <button type="button" id="print-now" onclick="window.print()">In giấy tiếp nhận</button>
          <a href="${pdfHref}" class="secondary" id="receipt-pdf">Tải bản PDF</a>
          <a href="${back}" class="secondary">Quay lại</a>
        </nav>
        <main class="sheet" id="receipt">
          <div class="head">
            <div>
              ${m.agency.parentName ? html`<div>${m.agency.parentName.toLocaleUpperCase('vi')}</div>` : ''}
              <div><strong>${m.agency.unitName.toLocaleUpperCase('vi')}</strong></div>
              <div class="rule"></div>
            </div>
            <div>
              <div><strong>${DOCUMENT_MESSAGES.nation}</strong></div>
              <div><strong>${DOCUMENT_MESSAGES.motto}</strong></div>
              <div class="rule" style="width:170px"></div>
            </div>
          </div>
          <p class="date">${formatDateLine(m.receivedAt)}</p>
          <h1>${M.title}</h1>
          <p class="code">${M.code}: <span id="receipt-code">${m.code}</span></p>
          <p>${M.receivedFrom(m.agency.unitName)}</p>
          <p>${DOCUMENT_MESSAGES.letter.addressee(a.kind, a.name)}</p>
          ${row(M.idNumber, a.idNumber)} ${row(M.address, a.address)} ${row(M.phone, a.phone)} ${row(M.email, a.email)}
          ${row(M.request, M.procedure(m.procedure.name, m.procedure.code), true)}
          <p>${M.components}: ${m.summary ?? M.componentsDefault}</p>
          <p>${M.count}</p>
          <p>${M.timeLimit}: ${timeLimitText(m.procedure.timeLimit)}.</p>
          <p>${M.receivedAt}: ${formatReceiptInstant(m.receivedAt)}.</p>
          <p>${M.appointment}: <strong id="receipt-appointment">${formatReceiptInstant(m.appointmentAt)}</strong>.</p>
          <p>${M.returnAt(m.agency.unitName)}</p>
          <div class="lookup">
            <div style="flex:1">
              <p>
                ${M.lookupKey}:
                ${m.lookupKey ? html`<span class="key" id="receipt-key">${m.lookupKey}</span>` : html`<em>${M.lookupKeyNotReprinted}</em>`}
              </p>
              <p style="font-size:12px">${M.lookupHint}</p>
              <p class="url" id="receipt-url">${m.lookupUrl}</p>
              <p style="font-size:12px"><em>${M.keep}</em></p>
            </div>
            <div role="img" aria-label="Mã QR của địa chỉ tra cứu">${raw(qr)}</div>
          </div>
          <div class="signs">
            <div>
              <strong>${M.applicantSigner}</strong><br /><em>${M.signHint}</em>
              <div class="name">${a.name}</div>
            </div>
            <div>
              <strong>${M.receiverSigner}</strong><br /><em>${M.signHint}</em>
              <div class="name">${m.receiverName ?? ''}</div>
            </div>
          </div>
        </main>
        <script>
          addEventListener('load', () => document.fonts.ready.then(() => window.print()));
        </script>
      </body>
    </html>`;
}
