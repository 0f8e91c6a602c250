/**
 * The report exports: form 06a, the Decision 766 index and the officials report as csv, xlsx or
 * pdf, each with its content type and download name. Pure rendering; no Nest, no database.
 */
import { indexCsv, officialsCsv, processingCsv } from 'src/reports/export/csv';
import { CONTENT_TYPES, indexFileName, officialsFileName, processingFileName } from 'src/reports/export/file-name';
import { indexPdf, officialsPdf, processingPdf } from 'src/reports/export/pdf';
import { indexXlsx, officialsXlsx, processingXlsx } from 'src/reports/export/xlsx';
import type {
  ExportFile,
  ExportFormat,
  IndexReport,
  OfficialsReport,
  ProcessingReport,
} from 'src/reports/report.types';

export { CONTENT_TYPES } from 'src/reports/export/file-name';

type Renderers<R> = Record<ExportFormat, (report: R) => Buffer | Promise<Buffer>>;

async function render<R>(
  report: R,
  format: ExportFormat,
  renderers: Renderers<R>,
  fileName: (r: R, ext: ExportFormat) => string,
): Promise<ExportFile> {
  // The controller passes the query's format through; anything else than csv, xlsx or pdf is a bug.
  if (!Object.hasOwn(renderers, format)) throw new Error(`unsupported export format: ${String(format)}`);
  return {
    body: await renderers[format](report),
    contentType: CONTENT_TYPES[format],
    fileName: fileName(report, format),
  };
}

/** Form 06a (Circular 01/2020/TT-VPCP). */
export function renderProcessing(report: ProcessingReport, format: ExportFormat): Promise<ExportFile> {
  return render(report, format, { csv: processingCsv, xlsx: processingXlsx, pdf: processingPdf }, processingFileName);
}

/** The Decision 766 unit performance index. */
export function renderIndex(report: IndexReport, format: ExportFormat): Promise<ExportFile> {
  return render(report, format, { csv: indexCsv, xlsx: indexXlsx, pdf: indexPdf }, indexFileName);
}

/** Steps handled per officer. */
export function renderOfficials(report: OfficialsReport, format: ExportFormat): Promise<ExportFile> {
  return render(report, format, { csv: officialsCsv, xlsx: officialsXlsx, pdf: officialsPdf }, officialsFileName);
}
