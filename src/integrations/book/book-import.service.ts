import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { EntityManager } from 'typeorm';
import { configFile } from 'src/config/paths';
import {
  BookLookups,
  BookMapping,
  BookRecord,
  BookRowError,
  Cell,
  cellText,
  locateColumns,
  normalizeLabel,
  parseBookMapping,
  rowToRecord,
} from 'src/integrations/book/book-mapping';
import { BookReader, formatOf } from 'src/integrations/book/book-reader';
import { FeedService } from 'src/integrations/feed.service';
import { BookCheckpoint, BookKey, IntegrationsRepository, SourceRow } from 'src/integrations/integrations.repository';

export interface BookImportOptions {
  file: string;
  /** The source system the book comes from (id or name); may be left out when there is only one. */
  source?: string | null;
  /** Column mapping (default config/import-book.json). */
  mappingFile?: string;
  /** Where the refused rows go (default: beside the file, `<name>.refused.csv`). */
  refusedFile?: string;
  /** The receiving unit of rows without one (code or portal identifier). */
  unit?: string | null;
  /** Read the file again from its first row although it was imported already. */
  again?: boolean;
  /** Rows written per transaction. */
  batchSize?: number;
  onProgress?: (p: BookProgress) => void;
  /** Asked between batches: true ends the run after the batch (checkpoint saved). */
  shouldStop?: () => boolean;
}

export interface BookProgress {
  /** Data rows done (from the first row after the header), including the rows of earlier runs. */
  rows: number;
  applied: number;
  unchanged: number;
  refused: number;
  /** Rows skipped because an earlier run had done them. */
  resumedFrom: number;
  bytesRead: number;
  totalBytes: number;
}

export interface BookImportResult extends BookProgress {
  status: 'done' | 'already_done' | 'interrupted';
  source: string;
  refusedFile: string;
}

/** A run that cannot start (file, mapping, source): the message is for the person at the terminal. */
export class BookImportError extends Error {}

const REFUSED_EXTRA = ['Dòng trong tệp', 'Lý do từ chối'];
const BOM = '\uFEFF';

/** RFC 4180 quoting; text a spreadsheet would run as a formula gets a leading apostrophe. */
function csvField(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n;]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Changes written by an import are the cause of the closed periods' adjustments they make. */
async function markImport(m: EntityManager): Promise<void> {
  await m.query(`SELECT set_config('sla.change_cause', 'import', true)`);
}

/**
 * Backfill from the tracking book's exports (`npm run import -- FILE`): each row becomes the
 * DongBoHoSoMC record it stands for and goes through the feed's mapping and fold under the source
 * system the book comes from (its units, its procedure codes, its mismatch list), in batches. A
 * checkpoint per file (SHA-256), source and mapping is saved after every batch: an interrupted run
 * resumes after the rows done, and rows applied twice change nothing (the record's fingerprint).
 * Refused rows are written to a CSV with the original columns, their line and the reason, so the
 * file can be corrected and imported again as it is.
 */
@Injectable()
export class BookImportService {
  constructor(
    private readonly repo: IntegrationsRepository,
    private readonly feed: FeedService,
  ) {}

  async run(o: BookImportOptions): Promise<BookImportResult> {
    const format = formatOf(o.file);
    if (!format) throw new BookImportError(`tệp ${basename(o.file)}: chỉ nhận .csv hoặc .xlsx`);
    const size = await stat(o.file).then(
      (s) => s.size,
      () => {
        throw new BookImportError(`không đọc được tệp ${o.file}`);
      },
    );
    const mappingFile = o.mappingFile ?? configFile('import-book.json');
    const mappingText = await readFile(mappingFile, 'utf8').catch(() => {
      throw new BookImportError(`không đọc được tệp ánh xạ cột ${mappingFile}`);
    });
    let mapping: BookMapping;
    try {
      mapping = parseBookMapping(JSON.parse(mappingText));
    } catch (err) {
      throw new BookImportError(`tệp ánh xạ cột ${mappingFile}: ${(err as Error).message}`);
    }
    const source = await this.source(o.source ?? null);
    const key: BookKey = {
      fileHash: await sha256File(o.file),
      sourceId: source.id,
      mappingHash: createHash('sha256').update(mappingText).digest('hex'),
    };
    const refusedFile = o.refusedFile ?? o.file.replace(/\.(csv|txt|xlsx)$/i, '') + '.refused.csv';
    const progress: BookProgress = {
      rows: 0,
      applied: 0,
      unchanged: 0,
      refused: 0,
      resumedFrom: 0,
      bytesRead: 0,
      totalBytes: size,
    };
    const result = (status: BookImportResult['status']): BookImportResult => ({
      ...progress,
      status,
      source: source.name,
      refusedFile,
    });

    let cp = await this.repo.bookCheckpoint(key);
    if (cp?.finished_at && !o.again) {
      Object.assign(progress, {
        rows: cp.rows_done,
        applied: cp.applied,
        unchanged: cp.unchanged,
        refused: cp.refused,
      });
      return result('already_done');
    }
    if (!cp || cp.finished_at || o.again) {
      cp = { rows_done: 0, applied: 0, unchanged: 0, refused: 0, refused_bytes: 0, finished_at: null };
      await this.repo.saveBookCheckpoint(key, basename(o.file), cp, true);
    }
    // A resumed run: what an interrupted run wrote past its last checkpoint is cut off.
    await writeFile(refusedFile, '', { flag: 'a' });
    await truncate(refusedFile, cp.refused_bytes);
    let refusedBytes = cp.refused_bytes;
    Object.assign(progress, {
      rows: cp.rows_done,
      applied: cp.applied,
      unchanged: cp.unchanged,
      refused: cp.refused,
      resumedFrom: cp.rows_done,
    });
    const lookups = await this.lookups(o.unit ?? null);
    const reader = new BookReader(o.file, format);
    const batchSize = o.batchSize ?? 250;

    let header: Cell[] | null = null;
    let cols: ReturnType<typeof locateColumns> = null;
    let preamble = 0;
    let dataIndex = 0;
    let batch: { line: number; cells: Cell[]; rec: BookRecord }[] = [];
    let refusedLines: { line: number; cells: Cell[]; reason: string }[] = [];
    let pending = 0; // rows since the last checkpoint

    const flush = async (finished: boolean) => {
      if (batch.length) {
        const outcomes = await this.feed.applyRecords(
          source,
          batch.map((b) => ({ record: b.rec.record, unitHint: b.rec.unitHint })),
          { mark: markImport },
        );
        outcomes.forEach((out, k) => {
          if (out === 'applied') progress.applied++;
          else if (out === 'unchanged') progress.unchanged++;
          else refusedLines.push({ line: batch[k].line, cells: batch[k].cells, reason: out.error });
        });
      }
      if (refusedLines.length) {
        refusedLines.sort((a, b) => a.line - b.line);
        let text =
          refusedBytes === 0 ? BOM + [...header!.map(cellText), ...REFUSED_EXTRA].map(csvField).join(',') + '\r\n' : '';
        for (const r of refusedLines) {
          const cells = header!.map((_, i) => cellText(r.cells[i] ?? null));
          text += [...cells, String(r.line), r.reason].map(csvField).join(',') + '\r\n';
        }
        await appendFile(refusedFile, text);
        refusedBytes += Buffer.byteLength(text);
        progress.refused += refusedLines.length;
      }
      progress.rows += pending;
      const next: BookCheckpoint = {
        rows_done: progress.rows,
        applied: progress.applied,
        unchanged: progress.unchanged,
        refused: progress.refused,
        refused_bytes: refusedBytes,
        finished_at: finished ? new Date() : null,
      };
      await this.repo.saveBookCheckpoint(key, basename(o.file), next);
      batch = [];
      refusedLines = [];
      pending = 0;
      progress.bytesRead = reader.bytesRead;
      o.onProgress?.({ ...progress });
    };

    for await (const row of reader.rows()) {
      if (!cols) {
        cols = locateColumns(row.cells, mapping);
        if (cols) header = row.cells;
        else if (++preamble >= mapping.headerSearchRows)
          throw new BookImportError(
            `không tìm thấy dòng tiêu đề trong ${mapping.headerSearchRows} dòng đầu (cần cột mã hồ sơ, ngày nhận và mã hoặc tên thủ tục; xem ${mappingFile})`,
          );
        continue;
      }
      dataIndex++;
      if (dataIndex <= cp.rows_done) {
        if (dataIndex % 5000 === 0) {
          progress.bytesRead = reader.bytesRead;
          o.onProgress?.({ ...progress });
        }
        continue;
      }
      pending++;
      try {
        const rec = rowToRecord(row.cells, cols, mapping, lookups);
        if (rec) batch.push({ line: row.line, cells: row.cells, rec });
      } catch (err) {
        if (!(err instanceof BookRowError)) throw err;
        refusedLines.push({ line: row.line, cells: row.cells, reason: err.message });
      }
      if (batch.length >= batchSize || pending >= batchSize * 4) {
        await flush(false);
        if (o.shouldStop?.()) return result('interrupted');
      }
    }
    if (!cols)
      throw new BookImportError(
        `không tìm thấy dòng tiêu đề (cần cột mã hồ sơ, ngày nhận và mã hoặc tên thủ tục; xem ${mappingFile})`,
      );
    await flush(true);
    if (refusedBytes === 0) await unlink(refusedFile).catch(() => undefined);
    return result('done');
  }

  private async source(ref: string | null): Promise<SourceRow> {
    const found = await this.repo.sourcesByRef(ref);
    if (found.length === 1) return found[0];
    const all = ref === null ? found : await this.repo.sourcesByRef(null);
    const names = all.map((s) => `"${s.name}"`).join(', ') || '(chưa có; tạo bằng POST /integrations/sources)';
    if (ref === null)
      throw new BookImportError(`cần --source <tên hoặc id hệ thống nguồn>; các nguồn hiện có: ${names}`);
    if (found.length > 1) throw new BookImportError(`nhiều nguồn tên "${ref}": dùng id; các nguồn: ${names}`);
    throw new BookImportError(`không có nguồn "${ref}" (hoặc đã thu hồi); các nguồn hiện có: ${names}`);
  }

  /** Units and procedures named in words, from the catalogue (read once per run). */
  private async lookups(defaultUnit: string | null): Promise<BookLookups> {
    const units = new Map<string, string>();
    for (const u of await this.repo.unitNames()) {
      const ref = u.portal_code ?? u.code;
      for (const label of [u.code, u.portal_code, u.name]) {
        if (!label) continue;
        const k = normalizeLabel(label);
        // A name two units share names neither.
        units.set(k, units.has(k) && units.get(k) !== ref && label === u.name ? '' : ref);
      }
    }
    const procedures = new Map<string, string>();
    for (const p of await this.repo.procedureNames()) {
      const k = normalizeLabel(p.name);
      procedures.set(k, procedures.has(k) && procedures.get(k) !== p.code ? '' : p.code);
    }
    if (defaultUnit && !units.get(normalizeLabel(defaultUnit)))
      throw new BookImportError(`--unit ${defaultUnit}: không có đơn vị này`);
    return {
      unitRef: (t) => units.get(normalizeLabel(t)) || null,
      procedureByName: (n) => procedures.get(normalizeLabel(n)) || null,
      defaultUnit: defaultUnit ? units.get(normalizeLabel(defaultUnit))! : null,
    };
  }
}
