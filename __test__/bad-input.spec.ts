// Issue 17, item 8: bad input across the whole API. Each case (cases/*.ts, grouped by API area)
// must end in a typed ZerodlError with the right code and class, whose message names what came
// and what was expected, and leave a live process; never a crash, ERR_INTERNAL or a plain
// TypeError. Each area runs in one child process (bad-input/child.cjs); when a child dies, the
// case it was running fails by name and the cases after it run again one per process (see
// bad-input/runner.ts). Huge allocations always run alone. The "empty batches" area checks the
// opposite edge: zero-sample inference returns an empty result of the right shape.
import { beforeAll, describe, expect, it } from 'vitest';
import { areas } from './bad-input/cases/index.js';
import { problemsOf, runArea, type AreaRun } from './bad-input/runner.js';
import { isErrorCase, type Case } from './bad-input/types.js';

/** The table may only grow: fewer bad inputs than this fails the suite. */
const MIN_BAD_INPUTS = 150;

const all: Case[] = areas.flatMap((a) => a.cases);

describe('the bad-input table', () => {
  it(`holds at least ${MIN_BAD_INPUTS} distinct bad inputs`, () => {
    const counts = Object.fromEntries(areas.map((a) => [a.name, a.cases.filter(isErrorCase).length]));
    const total = all.filter(isErrorCase).length;
    expect(total, `bad inputs per area: ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(MIN_BAD_INPUTS);
  });

  it('names every case once and runs no source twice', () => {
    const seen = (key: (c: Case) => string) => {
      const counts = new Map<string, number>();
      for (const c of all) counts.set(key(c), (counts.get(key(c)) ?? 0) + 1);
      return [...counts].filter(([, n]) => n > 1).map(([k]) => k);
    };
    expect(seen((c) => c.name), 'duplicate case names').toEqual([]);
    expect(seen((c) => c.code.replace(/\s+/g, ' ')), 'duplicate case sources').toEqual([]);
  });

  it('gives every bad input a message check for what came and what was expected', () => {
    const vague = all.filter(isErrorCase).filter((c) => [c.expect.came, c.expect.expected].some((re) => re.source.replace(/[.*+?^$]/g, '').length < 2));
    expect(vague.map((c) => c.name)).toEqual([]);
  });
});

describe('the bad-input runner', () => {
  it('blames a crash on the case that was running and reruns the later cases one per process', () => {
    const ok = (name: string): Case => ({ name, code: `zd.zeros([-1])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -1/, expected: /non-negative integer/ } });
    const crash: Case = { name: 'crash', code: `process.kill(process.pid, 'SIGKILL')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /x/, expected: /x/ } };
    const cases = [ok('before'), crash, ok('after 1'), ok('after 2')];
    const run = runArea(cases);
    expect(run.processes).toBe(3);
    expect(problemsOf(cases[0] as Case, run.outcomes.get('before'))).toEqual([]);
    expect(problemsOf(crash, run.outcomes.get('crash')).join('\n')).toMatch(/the process died during this case: killed by SIGKILL/);
    for (const name of ['after 1', 'after 2']) {
      expect(run.outcomes.get(name)?.ranAlone).toBe(true);
      expect(problemsOf(ok(name), run.outcomes.get(name))).toEqual([]);
    }
    expect(run.problems).toEqual([expect.stringMatching(/died while running "crash" \(killed by SIGKILL\); the 2 cases after it were rerun one per process/)]);
  });

  it('reports a plain TypeError, a wrong code and a message that names nothing', () => {
    const cases: Case[] = [
      { name: 'type error', code: `null.x`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /null/, expected: /x/ } },
      { name: 'wrong code', code: `zd.matmul(zd.zeros([2, 3]), zd.zeros([4, 5]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /\[2, 3\]/, expected: /nothing like this/ } },
      { name: 'no throw', code: `zd.zeros([0, 2])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /x/, expected: /x/ } },
    ];
    const run = runArea(cases);
    const [typeError, wrongCode, noThrow] = cases.map((c) => problemsOf(c, run.outcomes.get(c.name)).join('\n'));
    expect(typeError).toMatch(/threw a plain TypeError, not a ZerodlError/);
    expect(wrongCode).toMatch(/code "ERR_SHAPE_MISMATCH", expected ERR_INVALID_ARGUMENT/);
    expect(wrongCode).toMatch(/does not name what was expected/);
    expect(noThrow).toMatch(/but the call returned \{"tensor":\[0,2\]\}/);
  });
});

for (const area of areas) {
  describe(`bad input: ${area.name}`, () => {
    let run: AreaRun;
    beforeAll(() => {
      run = runArea(area.cases);
    }, 600_000);

    it('child processes ran every case and exited cleanly', () => {
      if (run.problems.length > 0) expect.fail(`${area.name}:\n  - ${run.problems.join('\n  - ')}`);
    });

    // '%s' of the name itself: vitest shortens '$name' to 40 characters.
    it.each(area.cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
      const problems = problemsOf(c, run.outcomes.get(c.name));
      if (problems.length > 0) expect.fail(`${c.name}\n    source: ${c.code}\n  - ${problems.join('\n  - ')}`);
    });
  });
}
