/**
 * The import's progress on stderr: on a terminal, one line redrawn in place (bar, rows, rate, time
 * left); otherwise (a log file, CI) a plain line every `plainEveryMs`. The fraction is the share of
 * the file's bytes read (a file's row count is unknown until it is read through); the rate counts
 * the rows of this run only. Pure formatting plus a writer; `now` is passed in for the tests.
 */
export interface ProgressSample {
  rows: number;
  resumedFrom: number;
  bytesRead: number;
  totalBytes: number;
  applied: number;
  unchanged: number;
  refused: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const num = (n: number) => Math.round(n).toLocaleString('vi-VN');

/** One progress line: `[#####-----]  45% · 45.000 dòng · 1.234 dòng/s · còn ~0:45 · 12 bị từ chối`. */
export function progressLine(p: ProgressSample, startedAt: number, now: number, width = 24): string {
  const fraction = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 0;
  const filled = Math.round(fraction * width);
  const elapsed = Math.max(0.001, (now - startedAt) / 1000);
  const rate = (p.rows - p.resumedFrom) / elapsed;
  // Time left from this run's pace through the bytes it read (a resumed run skipped its first part).
  const left = fraction > 0 && fraction < 1 ? (elapsed / fraction) * (1 - fraction) : fraction >= 1 ? 0 : NaN;
  return (
    `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%` +
    ` · ${num(p.rows)} dòng · ${num(rate)} dòng/s · còn ~${formatDuration(left)}` +
    ` · ${num(p.applied)} ghi, ${num(p.unchanged)} không đổi, ${num(p.refused)} bị từ chối`
  );
}

export class ProgressBar {
  private readonly startedAt = Date.now();
  private lastDraw = 0;
  private skippedBytes = -1;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly plainEveryMs = 5000,
  ) {}

  update(p: ProgressSample, force = false): void {
    const now = Date.now();
    // A resumed run's rate and time left count from where it started reading new rows.
    if (this.skippedBytes < 0 && p.rows > p.resumedFrom) this.skippedBytes = p.bytesRead;
    const tty = !!this.out.isTTY;
    if (!force && now - this.lastDraw < (tty ? 200 : this.plainEveryMs)) return;
    this.lastDraw = now;
    const line = progressLine(
      p,
      this.startedAt,
      now,
      tty ? Math.max(10, Math.min(30, (this.out.columns ?? 100) - 90)) : 24,
    );
    if (tty) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(`${line}\n`);
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
