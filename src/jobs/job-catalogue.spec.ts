import { JOBS, QUEUE_CONCURRENCY, QUEUE_NAMES, TICKS } from './job-catalogue';

describe('the job catalogue', () => {
  it('runs recomputations on a queue of their own, one at a time per worker', () => {
    // A recomputation runs until no open dossier is stale and the sweep adds one every tick: on a
    // shared queue they took every slot, and a restarted worker ran no heartbeat for ~40 s.
    const queue = JOBS['dossiers.recompute'].queue;
    const others = Object.entries(JOBS).filter(([name]) => name !== 'dossiers.recompute');
    expect(others.filter(([, def]) => def.queue === queue).map(([name]) => name)).toEqual([]);
    expect(QUEUE_CONCURRENCY[queue]).toBe(1);
  });

  it('has a worker for every queue a job or a tick uses', () => {
    const used = new Set([...Object.values(JOBS).map((d) => d.queue), ...TICKS.map((t) => JOBS[t.job].queue)]);
    expect([...used].sort()).toEqual([...QUEUE_NAMES].sort());
  });
});
