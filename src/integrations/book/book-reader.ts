/**
 * Streams the rows of a tracking-book export, CSV (csv-parse) or XLSX (exceljs's streaming reader,
 * first worksheet), as arrays of cells, without holding the file in memory. `bytesRead` tells how
 * far into the file the reader is (the progress bar's fraction: a row count is unknown in advance).
 */
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import type { Cell } from 'src/integrations/book/book-mapping';

export interface BookRow {
  /** 1-based line (CSV record) or row number (XLSX) in the file. */
  line: number;
  cells: Cell[];
}

export type BookFormat = 'csv' | 'xlsx';

export function formatOf(path: string): BookFormat | null {
  const ext = path.toLowerCase().split('.').pop();
  return ext === 'csv' || ext === 'txt' ? 'csv' : ext === 'xlsx' ? 'xlsx' : null;
}

export class BookReader {
  bytesRead = 0;

  constructor(
    private readonly path: string,
    private readonly format: BookFormat,
  ) {}

  rows(): AsyncGenerator<BookRow> {
    return this.format === 'csv' ? this.csvRows() : this.xlsxRows();
  }

  /** The file's bytes as they are read: counted for the progress bar, passed on unchanged. */
  private counted(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        this.bytesRead += chunk.length;
        done(null, chunk);
      },
    });
  }

  private async *csvRows(): AsyncGenerator<BookRow> {
    // UTF-8 with or without a byte order mark; comma, semicolon (Excel in Vietnamese locale) or tab.
    const parser = createReadStream(this.path)
      .pipe(this.counted())
      .pipe(
        parse({
          bom: true,
          delimiter: [',', ';', '\t'],
          relax_column_count: true,
          relax_quotes: true,
          skip_empty_lines: true,
          info: true,
        }),
      );
    for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { line: rec.info.lines, cells: rec.record };
    }
  }

  private async *xlsxRows(): AsyncGenerator<BookRow> {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(createReadStream(this.path).pipe(this.counted()), {
      sharedStrings: 'cache',
      styles: 'cache', // the number formats tell a date cell from a number
      hyperlinks: 'ignore',
      worksheets: 'emit',
      entries: 'emit',
    });
    let first = true;
    for await (const sheet of reader) {
      if (!first) {
        // Later sheets are read through (the zip is one stream) but not imported.
        for await (const row of sheet) void row;
        continue;
      }
      first = false;
      for await (const row of sheet) {
        const values = (row.values as unknown[]) ?? [];
        const cells: Cell[] = [];
        for (let i = 1; i < values.length; i++) cells.push(xlsxCell(values[i]));
        yield { line: row.number, cells };
      }
    }
  }
}

/** An exceljs cell value as a plain cell: rich text joined, formulas by their result, links by their text. */
function xlsxCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || v instanceof Date) return v;
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as { text: string }[]).map((t) => t.text).join('');
    if ('result' in o) return xlsxCell(o.result);
    if ('text' in o) return xlsxCell(o.text);
    if ('error' in o) return null;
  }
  return String(v as string);
}
