/**
 * The fault-injection suite's fixed quick set (the full one is `npm run soak`, the benchmark):
 * seeded random fleets with faults on every kind of call keep invariants I1 to I7, and a seed
 * replays exactly.
 */
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, runSeed, soakRun } from '../support/soak.ts';

describe('the fault-injection suite, quick set', () => {
  it('keeps every invariant over 60 seeded runs with every fault kind on (5% of calls)', async () => {
    const failures: string[] = [];
    let faults = 0;
    let pruned = 0;
    for (let index = 0; index < 60; index++) {
      const run = await soakRun({ seed: runSeed(7, index), faults: FAULT_KINDS, faultRate: 0.05 });
      faults += run.faults.length;
      pruned += run.pruned;
      if (run.violations.length > 0) {
        failures.push(
          `seed ${run.seed}: ${run.violations.join(' | ')}; faults ${JSON.stringify(run.faults)}`,
        );
      }
    }
    expect(failures).toEqual([]);
    // The set is only worth something if faults actually fired.
    expect(faults).toBeGreaterThan(60);
    // ... and if pruneVersions (on in half the runs) deleted something for I7 to judge.
    expect(pruned).toBeGreaterThan(0);
  }, 120_000);

  it('replays a seed exactly: the same faults, event order and end state', async () => {
    const seed = runSeed(7, 3);
    const first = await soakRun({ seed, faults: FAULT_KINDS, faultRate: 0.1 });
    const second = await soakRun({ seed, faults: FAULT_KINDS, faultRate: 0.1 });
    const order = (run: typeof first) =>
      run.result.events.map((e) => `${e.type} ${e.state ?? ''} ${e.asgName ?? ''}`);

    expect(first.faults.length).toBeGreaterThan(0);
    expect(second.faults).toEqual(first.faults);
    expect(order(second)).toEqual(order(first));
    expect(second.after).toEqual(first.after);
  });
});
