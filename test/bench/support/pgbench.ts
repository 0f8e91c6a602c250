// pgbench as a baseline: custom scripts built from statements the API really sent (recorded at the
// driver), run against the same database, with per-transaction logs for percentiles and
// per-statement average latencies (-r).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RecordedStatement } from './pg-recorder';
import { percentile, sortedNumbers } from './bench-kit';

export interface PgbenchScript {
  name: string;
  /** Script text (pgbench syntax). */
  text: string;
  /** Variables passed with -D (long literal parameters: JSON documents, timestamps...). */
  defines: Record<string, string>;
  /** SQL statements the script runs per transaction, and how many of them reproduce the API's. */
  statements: number;
  reproduced: number;
}

export interface ScriptOptions {
  name: string;
  /** The id of the dossier the recorded request acted on (or created). */
  dossierId: string;
  /** Intake: the code given to the new dossier (rebuilt from the sequence number). */
  code?: string;
  /** Actions: pick a random existing dossier from bench_ids (n = 1..:nids) per transaction. */
  pickFromBenchIds: boolean;
}

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/** Column list of `INSERT INTO t (a, b, ...) VALUES ($1, $2, ...)`: parameter number of each column. */
function insertParams(sql: string): Map<string, number> {
  const m = /^INSERT INTO\s+\S+(?:\s+AS\s+\S+)?\s*\(([^)]*)\)\s*VALUES\s*\(([^)]*)\)/i.exec(sql);
  const out = new Map<string, number>();
  if (!m) return out;
  const cols = m[1].split(',').map((c) => c.trim());
  const vals = m[2].split(',').map((v) => v.trim());
  cols.forEach((c, i) => {
    const p = /^\$(\d+)$/.exec(vals[i] ?? '');
    if (p) out.set(c, Number(p[1]));
  });
  return out;
}

/** `UPDATE t SET a = $2, b = $3 ...`: parameter number of each assigned column. */
function updateParams(sql: string): Map<string, number> {
  const out = new Map<string, number>();
  if (!/^UPDATE\s/i.test(sql)) return out;
  for (const m of sql.matchAll(/(\w+)\s*=\s*\$(\d+)/g)) out.set(m[1], Number(m[2]));
  return out;
}

/**
 * Turns one request's recorded statements into a pgbench script that sends the same statements
 * with the same parameter values, except what must differ per transaction: the dossier (a random
 * existing one, or a new id and code for intake) and the version / event sequence (read from the
 * locked row, as the service does). NULL parameters are written as NULL literals (pgbench has no
 * NULL variables); everything else stays a bind parameter.
 */
export function scriptFromStatements(recorded: RecordedStatement[], o: ScriptOptions): PgbenchScript {
  const lines: string[] = [`-- ${o.name}: the statements of one API request, recorded at the driver`];
  const defines: Record<string, string> = {};
  let statements = 0;
  if (o.pickFromBenchIds) {
    lines.push('\\set n random(1, :nids)');
    lines.push('SELECT id AS did FROM bench_ids WHERE n = :n \\gset');
    statements++;
  }
  let created = false;
  let haveSeq = false;
  let haveRow = false;
  recorded.forEach((st, si) => {
    const sql = oneLine(st.text);
    const byColumn = new Map<number, string>();
    const isInsertDossier = /^INSERT INTO dossiers\s*\(/i.test(sql);
    const isInsertEvents = /^INSERT INTO dossier_events\s*\(/i.test(sql);
    // The service's intake is one statement: the daily number, the dossier and its first event.
    const isIntakeStatement = /^WITH n AS \(\s*INSERT INTO dossier_code_sequences/i.test(sql);
    if (isInsertEvents) {
      const seq = insertParams(sql).get('seq');
      if (seq && haveRow) byColumn.set(seq, ':nextv');
    }
    if (/^UPDATE dossiers\s/i.test(sql)) {
      const version = updateParams(sql).get('version');
      if (version && haveRow) byColumn.set(version, ':nextv');
    }
    let suffix = ';';
    if (/RETURNING last$/i.test(sql)) {
      suffix = ' \\gset seq_';
      haveSeq = true;
    }
    let text = sql;
    const replacement = (n: number): string => {
      const fixed = byColumn.get(n);
      if (fixed) return fixed;
      const v = st.values[n - 1];
      if (v === null) return 'NULL';
      if (v === o.dossierId) {
        if (isIntakeStatement) return 'gen_random_uuid()';
        if (isInsertDossier && !created) {
          created = true;
          suffix = ' RETURNING id AS did \\gset';
          return 'gen_random_uuid()';
        }
        return ':did';
      }
      if (o.code && v === o.code && haveSeq) {
        const m = /^(.*-)(\d+)$/.exec(o.code)!;
        // As padStart: at least this many digits, never truncated.
        return `'${m[1].replace(/'/g, "''")}' || lpad(:seq_last::text, greatest(${m[2].length}, length(:seq_last::text)), '0')`;
      }
      const name = `${o.name}_${si}_${n}`;
      defines[name] = v;
      return `:${name}`;
    };
    // Highest numbers first, so $1 never matches the start of $12.
    for (let n = st.values.length; n >= 1; n--) text = text.split(`$${n}`).join(replacement(n));
    if (/\sFOR UPDATE\b/i.test(sql)) {
      suffix = ' \\gset row_';
      haveRow = true;
    }
    lines.push(text + suffix);
    statements++;
    if (suffix === ' \\gset row_') lines.push('\\set nextv :row_version + 1');
  });
  return { name: o.name, text: lines.join('\n') + '\n', defines, statements, reproduced: recorded.length };
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
