/**
 * One official's annual sheet as a PDF (officials' annual record): Vietnamese, A4 portrait, the
 * figures of the year and a block for the head's assessment and signature. Pure rendering.
 */
import { createPdf, nationalHeader, textAt } from 'src/dossiers/documents/pdf-layout';
import type { OfficialSheetDto } from 'src/reports/dto/reports.dto';

const S = {
  title: (year: number) => `PHIẾU TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH NĂM ${year}`,
  basis: '(Phục vụ đánh giá, xếp loại công chức, viên chức hằng năm)',
  official: 'Họ và tên',
  account: 'Tài khoản',
  unit: 'Đơn vị',
  steps: 'Số bước xử lý hồ sơ đã thực hiện',
  early: 'Trước hạn',
  onTime: 'Đúng hạn',
  late: 'Quá hạn',
  rate: 'Tỷ lệ trước hạn và đúng hạn',
  supplements: 'Số lần yêu cầu bổ sung hồ sơ',
  breaches: 'Trong đó vi phạm quy định chỉ yêu cầu bổ sung một lần',
  ratings: 'Đánh giá của người dân về hồ sơ đã xử lý',
  verySatisfied: 'Rất hài lòng',
  satisfied: 'Hài lòng',
  dissatisfied: 'Không hài lòng',
  conduct: 'Phản ánh về tinh thần, thái độ phục vụ',
  upheld: 'Trong đó phản ánh đúng (được xác minh)',
  extensions: 'Số lần phải gia hạn do chậm xử lý',
  assessment: 'Nhận xét của thủ trưởng đơn vị:',
  maker: 'NGƯỜI LẬP PHIẾU',
  head: 'THỦ TRƯỞNG ĐƠN VỊ',
  sign: '(Ký, ghi rõ họ tên)',
  generated: (at: string) => `Lập lúc ${at.slice(11, 16)} ngày ${at.slice(8, 10)}/${at.slice(5, 7)}/${at.slice(0, 4)}`,
};

export function officialSheetPdf(s: OfficialSheetDto): Promise<Buffer> {
  const margins = { top: 50, bottom: 50, left: 60, right: 50 };
  const pdf = createPdf({
    layout: 'portrait',
    margins,
    title: S.title(s.year),
    author: s.unitName,
    createdAt: new Date(s.generatedAt),
  });
  const { doc } = pdf;
  const x = margins.left;
  const width = doc.page.width - margins.left - margins.right;
  let y =
    nationalHeader(doc, { parentName: null, unitName: s.unitName || 'Đơn vị' }, { x, y: margins.top, width }, 10) + 18;
  y = textAt(doc, S.title(s.year), x, y, width, { font: 'bold', size: 13, align: 'center' });
  y = textAt(doc, S.basis, x, y + 2, width, { font: 'italic', size: 10, align: 'center' }) + 14;
  const line = (label: string, value: string | number, indent = 0) => {
    doc.font('regular').fontSize(11);
    textAt(doc, `${label}:`, x + indent, y, width * 0.7 - indent, { size: 11 });
    y = textAt(doc, String(value), x + width * 0.7, y, width * 0.3, { font: 'bold', size: 11, align: 'right' }) + 4;
  };
  const pct = (r: number | null) =>
    r === null ? '–' : `${(r * 100).toLocaleString('vi-VN', { maximumFractionDigits: 1 })}%`;
  line(S.official, s.fullName);
  line(S.account, s.username);
  line(S.unit, `${s.unitName} (${s.unitCode})`);
  y += 6;
  line(`1. ${S.steps}`, s.stepsHandled);
  line(`- ${S.early}`, s.stepsEarly, 16);
  line(`- ${S.onTime}`, s.stepsOnTime, 16);
  line(`- ${S.late}`, s.stepsLate, 16);
  line(`- ${S.rate}`, pct(s.onTimeRate), 16);
  line(`2. ${S.supplements}`, s.supplementRequests);
  line(`- ${S.breaches}`, s.supplementBreaches, 16);
  line(`3. ${S.ratings}`, s.ratedVerySatisfied + s.ratedSatisfied + s.ratedDissatisfied);
  line(`- ${S.verySatisfied}`, s.ratedVerySatisfied, 16);
  line(`- ${S.satisfied}`, s.ratedSatisfied, 16);
  line(`- ${S.dissatisfied}`, s.ratedDissatisfied, 16);
  line(`4. ${S.conduct}`, s.conductFeedback);
  line(`- ${S.upheld}`, s.conductFeedbackUpheld, 16);
  line(`5. ${S.extensions}`, s.extensionsCaused);
  y += 14;
  y = textAt(doc, S.assessment, x, y, width, { font: 'bold', size: 11 }) + 4;
  for (let i = 0; i < 3; i++) y = textAt(doc, '.'.repeat(150), x, y, width, { size: 10 }) + 4;
  y += 16;
  const half = width / 2;
  textAt(doc, S.maker, x, y, half, { font: 'bold', size: 11, align: 'center' });
  const yr = textAt(doc, S.head, x + half, y, half, { font: 'bold', size: 11, align: 'center' });
  textAt(doc, S.sign, x, yr, half, { font: 'italic', size: 10, align: 'center' });
  textAt(doc, S.sign, x + half, yr, half, { font: 'italic', size: 10, align: 'center' });
  textAt(doc, S.generated(s.generatedAt), x, doc.page.height - margins.bottom - 14, width, {
    font: 'italic',
    size: 8,
    align: 'right',
  });
  return pdf.finish();
}
