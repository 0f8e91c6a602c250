// Benchmark of deadline arithmetic: dueAt(clockStart, 30 working days) with the indexed
// WorkingCalendar against the day-by-day reference (test/support/naive-working-time.ts), both
// measured in this run on the same inputs. The calendar is the repository's holiday file (its
// official 2025–2026 days) plus the days the statutory rules generate for the rest of 2000–2100 and
// a 2-entry seasonal schedule (summer hours from 2027-04-15, winter hours from 2027-10-15).
// Targets: >= 1,000,000 ops/s and >= 20x the reference.
// Run after `npm run build`: node dist/test/bench/calendar.bench.js (no servers needed)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  calendarFromHolidayFile,
  CalendarDefinition,
  CalendarException,
  TimeLimit,
  WorkingCalendar,
} from '../../src/calendar/working-time';
import { generateYear } from '../../src/calendar/holiday-rules';
import { naiveDueAt } from '../support/naive-working-time';
import { BenchResult, check, runStandalone } from './support/bench-kit';

const HOLIDAY_FILE = path.join('config', 'calendars', 'vn-public-holidays.json');
const INPUTS = 200_000;
const NAIVE_INPUTS = 20_000;
const FAST_ROUNDS = 7;
const NAIVE_ROUNDS = 3;
const TARGET_OPS = 1_000_000;
const TARGET_RATIO = 20;
const LIMIT: TimeLimit = { amount: 30, unit: 'working_days' };
const DAY_MS = 86_400_000;
const SCHEDULE: NonNullable<CalendarDefinition['hoursSchedule']> = [
  {
    effectiveFrom: '2027-04-15',
    weekdays: [1, 2, 3, 4, 5],
    periods: [
      ['07:00', '11:30'],
      ['13:30', '17:00'],
    ],
  },
  {
    effectiveFrom: '2027-10-15',
    weekdays: [1, 2, 3, 4, 5],
    periods: [
      ['07:30', '11:30'],
      ['13:00', '17:00'],
    ],
  },
];

/** The repository's holiday file, found from the source tree or from a compiled copy of it. */
function findHolidayFile(): string {
  for (const from of [__dirname, process.cwd()]) {
    for (let dir = from; ; dir = path.dirname(dir)) {
      const candidate = path.join(dir, HOLIDAY_FILE);
      if (fs.existsSync(candidate)) return candidate;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error(`${HOLIDAY_FILE} not found above ${__dirname} or ${process.cwd()}`);
}

/** mulberry32: small deterministic PRNG so every run measures the same inputs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The holiday file's days, and for every other year of 2000–2100 the days the rules generate
 * (src/calendar/holiday-rules.ts: Tết, Giỗ Tổ, the fixed holidays and days in lieu), as the
 * service's calendar has them for years without a stored plan.
 */
function generatedExceptions(official: CalendarException[]): CalendarException[] {
  const officialYears = new Set(official.map((e) => Number(e.date.slice(0, 4))));
  const out = [...official];
  for (let year = 2000; year <= 2100; year++) {
    if (officialYears.has(year)) continue;
    for (const d of generateYear(year)) out.push({ date: d.date, kind: d.kind });
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `fn` over `count` inputs per round; returns ops/s per round. */
function measure(
  label: string,
  rounds: number,
  count: number,
  fn: (i: number) => Date,
): { opsPerSec: number[]; checksum: number } {
  const opsPerSec: number[] = [];
  let checksum = 0;
  const began = performance.now();
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) checksum = (checksum + fn(i).getTime()) % 1e15;
    const elapsed = performance.now() - t0;
    opsPerSec.push((count * 1000) / elapsed);
    const perRound = (performance.now() - began) / (r + 1);
    const left = ((rounds - r - 1) * perRound) / 1000;
    console.log(
      `  ${label} round ${r + 1}/${rounds}: ${Math.round(opsPerSec[r]).toLocaleString('en-US')} ops/s` +
        (left > 0 ? ` (about ${left.toFixed(1)} s left)` : ''),
    );
  }
  return { opsPerSec, checksum };
}

export async function run(): Promise<BenchResult> {
  const file = findHolidayFile();
  const fromFile = calendarFromHolidayFile(JSON.parse(fs.readFileSync(file, 'utf8')));
  const def: CalendarDefinition = {
    ...fromFile,
    exceptions: generatedExceptions(fromFile.exceptions),
    hoursSchedule: SCHEDULE,
  };

  const b0 = performance.now();
  const cal = WorkingCalendar.build(def);
  const buildMs = performance.now() - b0;

  // Random receptions (local), snapped to clock starts: half over 2000–2099, half over 2026–2028
  // around the seasonal switches.
  const random = prng(20260213);
  const wide = { from: Date.parse('2000-01-01T00:00:00+07:00'), span: 36_524 * DAY_MS };
  const near = { from: Date.parse('2026-01-01T00:00:00+07:00'), span: 1_095 * DAY_MS };
  const starts: Date[] = new Array(INPUTS);
  for (let i = 0; i < INPUTS; i++) {
    const { from, span } = i % 2 ? near : wide;
    starts[i] = cal.clockStart(new Date(from + Math.floor(random() * span)));
  }

  console.log(
    `calendar.dueAt: ${INPUTS.toLocaleString('en-US')} clock starts, 30 working days each; ` +
      `${def.exceptions.length.toLocaleString('en-US')} exceptions over ${cal.fromYear}–${cal.toYear}, ` +
      `${SCHEDULE.length}-entry seasonal schedule`,
  );

  // Correctness first: both implementations agree on the inputs the reference is timed on.
  let mismatches = 0;
  for (let i = 0; i < NAIVE_INPUTS; i++) {
    if (cal.dueAt(starts[i], LIMIT).getTime() !== naiveDueAt(def, starts[i], LIMIT).getTime()) {
      mismatches++;
    }
  }

  // Warm-up so both are measured after JIT compilation.
  for (let i = 0; i < INPUTS; i++) cal.dueAt(starts[i], LIMIT);
  for (let i = 0; i < NAIVE_INPUTS / 10; i++) naiveDueAt(def, starts[i], LIMIT);

  const fast = measure('indexed', FAST_ROUNDS, INPUTS, (i) => cal.dueAt(starts[i], LIMIT));
  const naive = measure('day-by-day', NAIVE_ROUNDS, NAIVE_INPUTS, (i) => naiveDueAt(def, starts[i], LIMIT));

  const fastMedian = median(fast.opsPerSec);
  const naiveMedian = median(naive.opsPerSec);
  const ratio = fastMedian / naiveMedian;
  const figures = {
    inputs: INPUTS,
    exceptions: def.exceptions.length,
    scheduleEntries: SCHEDULE.length,
    buildMs: Math.round(buildMs * 100) / 100,
    fastOpsPerSecMedian: Math.round(fastMedian),
    fastOpsPerSecBest: Math.round(Math.max(...fast.opsPerSec)),
    naiveOpsPerSecMedian: Math.round(naiveMedian),
    naiveOpsPerSecBest: Math.round(Math.max(...naive.opsPerSec)),
    ratio: Math.round(ratio * 10) / 10,
    checked: NAIVE_INPUTS,
    mismatches,
  };
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
  console.log('');
  console.log(`  build (${cal.fromYear}–${cal.toYear})   ${buildMs.toFixed(2)} ms`);
  console.log(`  indexed     median ${fmt(fastMedian)} ops/s   best ${fmt(figures.fastOpsPerSecBest)} ops/s`);
  console.log(`  day-by-day  median ${fmt(naiveMedian)} ops/s   best ${fmt(figures.naiveOpsPerSecBest)} ops/s`);
  console.log(`  ratio (medians)    ${ratio.toFixed(1)}x`);
  const checks = [
    check(
      'indexed dueAt per second (median)',
      fmt(fastMedian).trim(),
      `>= ${TARGET_OPS.toLocaleString('en-US')}`,
      fastMedian >= TARGET_OPS,
    ),
    check('indexed vs day-by-day loop', `${ratio.toFixed(1)}x`, `>= ${TARGET_RATIO}x`, ratio >= TARGET_RATIO),
    check(
      `identical results on ${NAIVE_INPUTS.toLocaleString('en-US')} inputs`,
      `${mismatches} mismatches`,
      '0',
      mismatches === 0,
    ),
  ];
  const pass = checks.every((c) => c.ok);
  // Printed so the timed loops cannot be optimised away.
  console.log(`  checksums ${fast.checksum} ${naive.checksum}`);

  return {
    name: 'calendar.dueAt',
    figures,
    checks,
    pass,
    notes: [
      `dueAt(clock start, 30 working days) for ${INPUTS.toLocaleString('en-US')} random receptions (half over 2000–2099, half over 2026–2028) with ${def.exceptions.length.toLocaleString('en-US')} exceptions (official 2025–2026, the rules' days for every other year) and a ${SCHEDULE.length}-entry seasonal schedule: the indexed WorkingCalendar (gallop and binary search over cumulative working ms, per-day pattern index into the distinct period sets) against the day-by-day reference loop, both timed in this process (medians of ${FAST_ROUNDS} and ${NAIVE_ROUNDS} rounds).`,
    ],
  };
}

if (require.main === module) runStandalone(run, { servers: false });
