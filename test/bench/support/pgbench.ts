// pgbench as a baseline: short hand-written scripts doing the minimal work of an operation
// (the least the database must do for the same result), run against the same server, with per-transaction logs for
// percentiles and per-statement average latencies (-r).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { percentile, sortedNumbers } from './bench-kit';

export interface PgbenchScript {
  name: string;
  /** Script text (pgbench syntax). */
  text: string;
  /** Variables passed with -D (long literal parameters: JSON documents...). */
  defines: Record<string, string>;
}

export interface PgbenchRun {
  mode: string;
  tps: number;
  transactions: number;
  failed: number;
  latencyAvgMs: number;
  p50: number;
  p95: number;
  p99: number;
  /** Per script: tps, average latency, and the average latency of each statement (-r). */
  scripts: { name: string; tps: number; latencyAvgMs: number; statements: { ms: number; sql: string }[] }[];
  output: string;
}

export interface PgbenchOptions {
  bin: string;
  databaseUrl: string;
  workDir: string;
  scripts: { script: PgbenchScript; weight: number }[];
  clients: number;
  threads: number;
  seconds: number;
  mode: 'prepared' | 'extended' | 'simple';
  extraDefines?: Record<string, string>;
}

export async function runPgbench(o: PgbenchOptions): Promise<PgbenchRun> {
  const url = new URL(o.databaseUrl);
  const dir = fs.mkdtempSync(path.join(o.workDir, `pgbench-${o.mode}-`));
  const args = [
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    decodeURIComponent(url.username || 'postgres'),
    '-n',
    '-r',
    '-M',
    o.mode,
    '-c',
    String(o.clients),
    '-j',
    String(o.threads),
    '-T',
    String(o.seconds),
    '-l',
    `--log-prefix=${path.join(dir, 'tx')}`,
  ];
  const defines: Record<string, string> = { ...(o.extraDefines ?? {}) };
  for (const { script, weight } of o.scripts) {
    const file = path.join(dir, `${script.name}.sql`);
    fs.writeFileSync(file, script.text);
    args.push('-f', `${file}@${weight}`);
    Object.assign(defines, script.defines);
  }
  for (const [k, v] of Object.entries(defines)) args.push('-D', `${k}=${v}`);
  args.push(url.pathname.slice(1));

  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(path.join(o.bin, 'pgbench'), args, {
      cwd: dir,
      env: { ...process.env, PGCLIENTENCODING: 'UTF8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`pgbench exited with ${code}:\n${out.slice(0, 3000)}\n...\n${out.slice(-1500)}`)),
    );
  });

  const latencies: number[] = [];
  for (const f of fs.readdirSync(dir).filter((f) => f.startsWith('tx.'))) {
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      const cols = line.split(' ');
      if (cols.length >= 6) latencies.push(Number(cols[2]) / 1000);
    }
  }
  const sorted = sortedNumbers(latencies);
  const num = (re: RegExp, text = output) => Number(re.exec(text)?.[1] ?? NaN);
  const scripts: PgbenchRun['scripts'] = [];
  const parts = output.split(/^SQL script \d+: /m).slice(1);
  for (const part of parts) {
    const name = path.basename(part.split('\n')[0].trim(), '.sql');
    const statements: { ms: number; sql: string }[] = [];
    const body = part.split(/statement latencies in milliseconds.*\n/)[1] ?? '';
    for (const line of body.split('\n')) {
      const m = /^\s+([\d.]+)\s+(?:\d+\s+)?(\S.*)$/.exec(line);
      if (m) statements.push({ ms: Number(m[1]), sql: m[2] });
    }
    scripts.push({
      name,
      tps: num(/tps = ([\d.]+)\)/, part),
      latencyAvgMs: num(/latency average = ([\d.]+) ms/, part),
      statements,
    });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    mode: o.mode,
    tps: num(/^tps = ([\d.]+)/m),
    transactions: num(/number of transactions actually processed: (\d+)/),
    failed: num(/number of failed transactions: (\d+)/) || 0,
    latencyAvgMs: num(/^latency average = ([\d.]+) ms/m),
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    scripts,
    output,
  };
}
