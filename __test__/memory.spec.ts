// No allocation sized by the input may abort the process: a buffer over the per-buffer limit (or
// refused by the system) is an OutOfMemoryError naming the bytes asked for, and the process
// carries on. Every case runs in a child process, so a regression (an abort, the OOM killer)
// cannot take the test runner down with it.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { runNode } from './helpers.js';

interface Outcome {
  label: string;
  ok?: boolean;
  name?: string;
  code?: string;
  oom?: boolean;
  zerodl?: boolean;
  message?: string;
  value?: unknown;
}

// Prelude of every child: `attempt` records what a call threw (or returned), `alive` proves the
// process still computes afterwards. On a machine whose default limit (half its memory) would
// allow 40 GB, \`capForHugeCases\` lowers the limit so that the 1e5 x 1e5 cases still exceed it.
const prelude = `
const zd = require('./dist/index.js');
const out = (o) => console.log(JSON.stringify(o));
const attempt = (label, f) => {
  try {
    const value = f();
    out({ label, ok: true, value: value instanceof zd.Tensor ? value.shape : value });
  } catch (e) {
    out({ label, name: e.constructor.name, code: e.code, oom: e instanceof zd.OutOfMemoryError,
          zerodl: e instanceof zd.ZerodlError, message: e.message });
  }
};
const alive = () => {
  const a = zd.tensor([[1, 2], [3, 4]]);
  out({ label: 'alive', value: zd.matmul(a, a).toArray() });
};
const capForHugeCases = () => { if (zd.getMaxTensorBytes() >= 4e10) zd.setMaxTensorBytes(2 ** 33); };
`;

function run(body: string, env: NodeJS.ProcessEnv = {}): Map<string, Outcome> {
  const r = runNode(`${prelude}\n(async () => {\n${body}\nalive();\n})();`, [], env);
  expect(r.signal, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(0);
  const outcomes = r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Outcome);
  // The process lived on and still computes.
  expect(outcomes.at(-1)).toEqual({ label: 'alive', value: [[7, 10], [15, 22]] });
  return new Map(outcomes.map((o) => [o.label, o]));
}

/** Asserts an out-of-memory error whose message names the shape and the bytes asked for. */
function expectOom(o: Outcome | undefined, bytes: string, shape?: string): void {
  expect(o, 'no outcome').toBeDefined();
  expect(o!.ok, JSON.stringify(o)).toBeUndefined();
  expect(o).toMatchObject({ name: 'OutOfMemoryError', code: 'ERR_OUT_OF_MEMORY', oom: true, zerodl: true });
  expect(o!.message).toContain(bytes);
  if (shape !== undefined) expect(o!.message).toContain(shape);
}

describe('results too big for the limit', () => {
  it('factories: ones, zeros, full, randn and uniform of [1e5, 1e5] (40 GB)', () => {
    const r = run(`
      capForHugeCases();
      attempt('ones', () => zd.ones([1e5, 1e5]));
      attempt('zeros', () => zd.zeros([1e5, 1e5]));
      attempt('full', () => zd.full([1e5, 1e5], 3));
      attempt('randn', () => zd.randn([1e5, 1e5], { seed: 1 }));
      attempt('uniform', () => zd.uniform([1e5, 1e5], 0, 1, { seed: 1 }));
      attempt('3-d', () => zd.zeros([1000, 1000, 10000]));
      attempt('unaddressable', () => zd.ones([1e10, 1e10]));
      attempt('one huge dimension', () => zd.zeros([1e20]));
      attempt('small', () => zd.ones([3, 4]));
    `);
    for (const f of ['ones', 'zeros', 'full', 'randn', 'uniform']) {
      expectOom(r.get(f), '40000000000 bytes', 'shape [100000, 100000]');
      expect(r.get(f)!.message).toMatch(/needs 37\.3 GiB \(40000000000 bytes\), over the limit of .* per buffer/);
      expect(r.get(f)!.message).toMatch(/ZERODL_MAX_TENSOR_BYTES|setMaxTensorBytes/);
    }
    expectOom(r.get('3-d'), '40000000000 bytes', '[1000, 1000, 10000]');
    // Past what a 64-bit size holds: the size asked for is still named, approximately.
    expectOom(r.get('unaddressable'), '4.000e20 bytes', '[10000000000, 10000000000]');
    expect(r.get('unaddressable')!.message).toContain('more than this machine can address');
    expectOom(r.get('one huge dimension'), '4.000e20 bytes');
    expect(r.get('small')).toMatchObject({ ok: true, value: [3, 4] });
  });

  it('a matmul whose result is 1e5 x 1e5, sync and async', () => {
    const r = run(`
      capForHugeCases();
      const a = zd.zeros([1e5, 1]), b = zd.zeros([1, 1e5]);
      attempt('matmul', () => zd.matmul(a, b));
      attempt('transposed', () => zd.matmul(b, a, { transposeA: true, transposeB: true }));
      try { await zd.matmulAsync(a, b); out({ label: 'async', ok: true }); }
      catch (e) { out({ label: 'async', name: e.constructor.name, code: e.code, oom: e instanceof zd.OutOfMemoryError, zerodl: e instanceof zd.ZerodlError, message: e.message }); }
      attempt('inner product', () => zd.matmul(b, a));
    `);
    expectOom(r.get('matmul'), '40000000000 bytes', "matmul's result of shape [100000, 100000]");
    expectOom(r.get('transposed'), '40000000000 bytes', '[100000, 100000]');
    expectOom(r.get('async'), '40000000000 bytes', "matmul's result of shape [100000, 100000]");
    expect(r.get('inner product')).toMatchObject({ ok: true, value: [1, 1] });
  });

  it('a broadcast to a huge shape: [1e5, 1] + [1, 1e5]', () => {
    const r = run(`
      capForHugeCases();
      const col = zd.zeros([1e5, 1]), row = zd.zeros([1, 1e5]);
      attempt('add', () => zd.add(col, row));
      attempt('sub', () => zd.sub(row, col));
      attempt('mul', () => zd.mul(col, row));
      attempt('bias row', () => zd.add(zd.zeros([4, 1e5]), row));
    `);
    for (const op of ['add', 'sub', 'mul']) expectOom(r.get(op), '40000000000 bytes', `${op}'s result of shape [100000, 100000]`);
    expect(r.get('bias row')).toMatchObject({ ok: true, value: [4, 1e5] });
  });
});

describe('a lowered limit', () => {
  const body = `
    out({ label: 'limit', value: [zd.getMaxTensorBytes(), zd.backendInfo().maxTensorBytes] });
    attempt('tensor', () => zd.tensor(new Float32Array(1e6)));
    attempt('nested', () => zd.tensor(Array.from({ length: 1000 }, () => new Array(1000).fill(1))));
    attempt('ones', () => zd.ones([1000, 1000]));
    attempt('under the limit', () => zd.tensor(new Float32Array(250_000)));
  `;
  const check = (r: Map<string, Outcome>) => {
    expect(r.get('limit')!.value).toEqual([1e6, 1e6]);
    // 1e6 float32 values = 4,000,000 bytes, over a 1,000,000-byte limit; the message names both.
    for (const label of ['tensor', 'nested', 'ones']) {
      expectOom(r.get(label), '4000000 bytes');
      expect(r.get(label)!.message).toContain('3.8 MiB (4000000 bytes), over the limit of 976.6 KiB (1000000 bytes)');
    }
    expect(r.get('under the limit')).toMatchObject({ ok: true, value: [250_000] });
  };

  it('through the ZERODL_MAX_TENSOR_BYTES environment variable', () => {
    check(run(body, { ZERODL_MAX_TENSOR_BYTES: '1000000' }));
    check(run(body, { ZERODL_MAX_TENSOR_BYTES: '1e6' }));
  });

  it('through setMaxTensorBytes()', () => {
    check(run(`zd.setMaxTensorBytes(1e6);\n${body}`));
  });

  it('still lets existing tensors be reshaped, and ops on them check their results', () => {
    const r = run(`
      const t = zd.zeros([2000, 1000]);
      zd.setMaxTensorBytes(1e6);
      attempt('reshape', () => t.reshape([1000, 2000]));
      attempt('reshape -1', () => t.reshape([-1, 4000]));
      attempt('reshape mismatch', () => t.reshape([1e10, 1e10]));
      attempt('relu', () => zd.relu(t));
      attempt('scale', () => zd.mul(t, 2));
      attempt('softmax', () => zd.softmax(t));
      attempt('sum along an axis', () => zd.sum(t, 0));
      attempt('sum of all', () => zd.sum(t));
      attempt('toFloat32Array', () => t.toFloat32Array());
    `);
    expect(r.get('reshape')).toMatchObject({ ok: true, value: [1000, 2000] });
    expect(r.get('reshape -1')).toMatchObject({ ok: true, value: [500, 4000] });
    expect(r.get('reshape mismatch')).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expectOom(r.get('relu'), '8000000 bytes', "relu's result of shape [2000, 1000]");
    expectOom(r.get('scale'), '8000000 bytes');
    expectOom(r.get('softmax'), '8000000 bytes', "softmax's result");
    expect(r.get('sum along an axis')).toMatchObject({ ok: true, value: [1000] });
    expect(r.get('sum of all')).toMatchObject({ ok: true, value: [] });
    expectOom(r.get('toFloat32Array'), '8000000 bytes');
  });
});

describe('setMaxTensorBytes', () => {
  it('rejects anything but a positive whole number of bytes (or null), naming what came', () => {
    const r = run(`
      const before = zd.getMaxTensorBytes();
      for (const [label, v] of [['0', 0], ['-1', -1], ['1.5', 1.5], ['NaN', NaN], ['Infinity', Infinity], ['x', 'x'], ['undefined', undefined], ['2^60', 2 ** 60]]) {
        attempt(label, () => zd.setMaxTensorBytes(v));
      }
      out({ label: 'unchanged', value: zd.getMaxTensorBytes() === before });
      // The native entry point validates too (for callers that skip the facade).
      try { zd.tensor([1]); require('./binding.js').setMaxTensorBytes(0.5); out({ label: 'native', ok: true }); }
      catch (e) { out({ label: 'native', code: e.code, message: e.message }); }
    `);
    const expected: [string, RegExp][] = [
      ['0', /got number 0$/],
      ['-1', /got number -1$/],
      ['1.5', /got number 1.5$/],
      ['NaN', /got number NaN$/],
      ['Infinity', /got number Infinity$/],
      ['x', /got the string "x"$/],
      ['undefined', /got undefined$/],
      ['2^60', /got number 1152921504606847000$/],
    ];
    for (const [label, message] of expected) {
      expect(r.get(label), label).toMatchObject({ name: 'InvalidArgumentError', code: 'ERR_INVALID_ARGUMENT', zerodl: true });
      expect(r.get(label)!.message).toMatch(/setMaxTensorBytes\(\) expects a positive whole number of bytes/);
      expect(r.get(label)!.message).toMatch(message);
    }
    expect(r.get('unchanged')!.value).toBe(true);
    expect(r.get('native')).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(r.get('native')!.message).toContain('got 0.5');
  });

  it('shows in backendInfo(), and null restores the default', () => {
    const r = run(`
      const initial = zd.getMaxTensorBytes();
      out({ label: 'initial', value: [initial, zd.backendInfo().maxTensorBytes] });
      zd.setMaxTensorBytes(12345678);
      out({ label: 'set', value: [zd.getMaxTensorBytes(), zd.backendInfo().maxTensorBytes] });
      attempt('over', () => zd.zeros([1e7]));
      zd.setMaxTensorBytes(null);
      out({ label: 'reset', value: [zd.getMaxTensorBytes() === initial, zd.backendInfo().maxTensorBytes === initial] });
      attempt('after reset', () => zd.zeros([1e7]));
    `);
    const [initial, reported] = r.get('initial')!.value as [number, number];
    expect(reported).toBe(initial);
    expect(Number.isSafeInteger(initial) && initial >= 2 ** 20).toBe(true);
    expect(r.get('set')!.value).toEqual([12345678, 12345678]);
    expectOom(r.get('over'), '40000000 bytes', 'over the limit of 11.8 MiB (12345678 bytes)');
    expect(r.get('reset')!.value).toEqual([true, true]);
    expect(r.get('after reset')).toMatchObject({ ok: true, value: [1e7] });
  });

  it('defaults to half of the memory the process may use; a bad environment value is ignored', () => {
    const script = `out({ label: 'limit', value: zd.getMaxTensorBytes() });`;
    const fresh = { ZERODL_MAX_TENSOR_BYTES: '' };
    const base = run(script, fresh).get('limit')!.value as number;
    expect(base).toBeLessThanOrEqual(os.totalmem() / 2 + 1);
    expect(base).toBeGreaterThan(0);
    for (const bad of ['abc', '0', '-5', '1.5']) {
      expect(run(script, { ZERODL_MAX_TENSOR_BYTES: bad }).get('limit')!.value, bad).toBe(base);
    }
  });
});
