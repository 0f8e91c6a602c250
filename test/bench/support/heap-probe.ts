// Preloaded into a benchmarked child process (`node --expose-gc --require heap-probe.js ...`): every
// HEAP_PROBE_MS it forces a full garbage collection and sends the heap left afterwards to the parent
// over the IPC channel. What survives a full GC is what the process really holds (a leak grows it);
// RSS alone also counts garbage not yet collected and memory V8 keeps reserved for later.
// On the parent's demand it writes a heap snapshot (to diff in Chrome DevTools when the heap grows).
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';

export interface HeapSample {
  at: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  rssMb: number;
  /** V8's heap as committed (heapTotal) and as resident, and what V8 itself malloc'ed. */
  heapTotalMb: number;
  heapPhysicalMb: number;
  mallocedMb: number;
  gcMs: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('heap-probe: run node with --expose-gc');
if (!process.send) throw new Error('heap-probe: needs an IPC channel (spawn with stdio "ipc")');

const every = Number(process.env.HEAP_PROBE_MS ?? 2000);
const t0 = performance.now();
const mb = (n: number) => n / 1024 / 1024;

const timer = setInterval(() => {
  const g = performance.now();
  gc();
  const gcMs = performance.now() - g;
  const m = process.memoryUsage();
  const v = getHeapStatistics();
  const sample: HeapSample = {
    at: performance.now() - t0,
    heapUsedMb: mb(m.heapUsed),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
    rssMb: mb(m.rss),
    heapTotalMb: mb(m.heapTotal),
    heapPhysicalMb: mb(v.total_physical_size),
    mallocedMb: mb(v.malloced_memory),
    gcMs,
  };
  process.send?.({ heapProbe: sample });
}, every);
timer.unref();

// A heap snapshot on the parent's demand ({ heapSnapshot: file }), after a full GC.
process.on('message', (m: { heapSnapshot?: string }) => {
  if (!m.heapSnapshot) return;
  gc();
  writeHeapSnapshot(m.heapSnapshot);
  process.send?.({ heapSnapshotWritten: m.heapSnapshot });
});
// The IPC channel must not keep the child alive once its work is done.
process.channel?.unref();
