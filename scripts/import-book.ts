import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { AppModule } from 'src/app.module';
import { BookImportError, BookImportService } from 'src/integrations/book/book-import.service';
import { ProgressBar } from 'src/integrations/book/progress-bar';

const USAGE = `Nạp lịch sử hồ sơ từ tệp xuất "Sổ theo dõi hồ sơ" (CSV hoặc XLSX).

  npm run import -- FILE [--source TÊN|ID] [--mapping config/import-book.json] [--unit MÃ]
                         [--refused TỆP.csv] [--again] [--batch 250]

  --source   hệ thống nguồn đã đăng ký (POST /integrations/sources) mà sổ này xuất từ đó;
             bỏ trống khi chỉ có một nguồn
  --mapping  tệp ánh xạ cột (mặc định config/import-book.json)
  --unit     đơn vị tiếp nhận của các dòng không có cột đơn vị
  --refused  nơi ghi các dòng bị từ chối và lý do (mặc định FILE.refused.csv)
  --again    đọc lại từ đầu một tệp đã nạp xong (không tạo trùng)

Chạy lại sau khi bị ngắt: tiếp tục từ lô cuối cùng đã ghi.`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        source: { type: 'string' },
        mapping: { type: 'string' },
        unit: { type: 'string' },
        refused: { type: 'string' },
        again: { type: 'boolean', default: false },
        batch: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values: v, positionals } = args;
  if (v.help || positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return v.help ? 0 : 2;
  }
  const batch = v.batch === undefined ? undefined : Number(v.batch);
  if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1 && batch <= 1000)) {
    process.stderr.write('--batch: 1–1000\n');
    return 2;
  }
  // A batch tool waits for its database connections like the worker: DATABASE_POOL_TIMEOUT_MS
  // bounds the wait of HTTP requests only.
  process.env.DATABASE_POOL_TIMEOUT_MS = '0';
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  let stop = false;
  const onSignal = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nĐang dừng sau lô hiện tại (điểm dừng được lưu; chạy lại để tiếp tục)…\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const bar = new ProgressBar(process.stderr);
  try {
    const r = await app.get(BookImportService).run({
      file: positionals[0],
      source: v.source ?? null,
      mappingFile: v.mapping,
      unit: v.unit ?? null,
      refusedFile: v.refused,
      again: v.again,
      batchSize: batch,
      onProgress: (p) => bar.update(p),
      shouldStop: () => stop,
    });
    if (r.status !== 'already_done') bar.update(r, true);
    bar.done();
    const summary = {
      status: r.status,
      source: r.source,
      rows: r.rows,
      resumedFrom: r.resumedFrom,
      applied: r.applied,
      unchanged: r.unchanged,
      refused: r.refused,
      refusedFile: r.refused > 0 ? r.refusedFile : null,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (r.status === 'already_done')
      process.stderr.write('Tệp này đã được nạp xong trước đây; dùng --again để đọc lại từ đầu.\n');
    if (r.refused > 0) process.stderr.write(`${r.refused} dòng bị từ chối: xem ${r.refusedFile}\n`);
    return r.status === 'interrupted' ? 130 : 0;
  } catch (err) {
    bar.done();
    if (err instanceof BookImportError) {
      process.stderr.write(`Không nạp được: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`import failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
