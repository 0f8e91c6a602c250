// A sampling CPU profile of this process's main thread (node:inspector), summarised as the
// functions with the most self time. Used on an extra, unmeasured pass so that the figures are
// not slowed by the profiler, to say where the API spends its CPU.
import * as fs from 'node:fs';
import * as inspector from 'node:inspector/promises';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface HotFunction {
  share: number;
  name: string;
  where: string;
}

export interface ProfileSummary {
  /** Share of the window the main thread was busy (not idle). */
  busy: number;
  /** Functions by self time, as shares of the busy time. */
  hot: HotFunction[];
  /** Busy time by package (node_modules/<pkg>), app folder (dist/src/<module>), or V8 bucket. */
  byArea: { area: string; share: number }[];
}

function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const file = url.replace(/^file:\/\//, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (nm) return nm[1];
  const app = /\/dist\/(src\/[^/]+|test\/[^/]+|scripts)/.exec(file);
  if (app) return app[1];
  if (file.startsWith('node:')) return 'node core';
  return 'other';
}

/** `saveTo`: also write the raw profile there (a .cpuprofile file Chrome DevTools and speedscope open). */
export async function profile<T>(
  work: () => Promise<T>,
  top = 12,
  saveTo?: string,
): Promise<{ result: T } & ProfileSummary> {
  const session = new inspector.Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    const result = await work();
    const { profile: p } = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[] } };
    if (saveTo) fs.writeFileSync(saveTo, JSON.stringify(p));
    const byFunction = new Map<string, number>();
    const byArea = new Map<string, number>();
    let total = 0;
    let idle = 0;
    for (const n of p.nodes) {
      const hits = n.hitCount ?? 0;
      total += hits;
      const f = n.callFrame;
      if (f.functionName === '(idle)') {
        idle += hits;
        continue;
      }
      const where = f.url ? `${shorten(f.url)}:${f.lineNumber + 1}` : '';
      const key = `${f.functionName || '(anonymous)'}\u0000${where}`;
      byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
      const a = area(f.url, f.functionName);
      byArea.set(a, (byArea.get(a) ?? 0) + hits);
    }
    const busyHits = Math.max(1, total - idle);
    return {
      result,
      busy: (total - idle) / Math.max(1, total),
      hot: [...byFunction.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([key, hits]) => {
          const [name, where] = key.split('\u0000');
          return { share: hits / busyHits, name, where };
        }),
      byArea: [...byArea.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([a, hits]) => ({ area: a, share: hits / busyHits })),
    };
  } finally {
    session.disconnect();
  }
}

function shorten(url: string): string {
  const file = url.replace(/^file:\/\//, '');
  const i = file.lastIndexOf('/node_modules/');
  if (i >= 0) return file.slice(i + 1);
  const d = file.indexOf('/dist/');
  return d >= 0 ? file.slice(d + 1) : path.basename(file);
}

export function printProfile(title: string, p: ProfileSummary): void {
  console.log(`  ${title}: main thread busy ${(p.busy * 100).toFixed(0)}% of the time; shares of the busy time:`);
  console.log(`    by area: ${p.byArea.map((a) => `${a.area} ${(a.share * 100).toFixed(0)}%`).join(', ')}`);
  console.log('    top functions (self time):');
  for (const h of p.hot) console.log(`      ${(h.share * 100).toFixed(1).padStart(5)}%  ${h.name}  ${h.where}`);
}
