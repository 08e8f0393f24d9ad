import { describe, expect, it } from 'vitest';
import { maxAbsDiff, zd } from './helpers.js';

/** Naive row-major matmul in f64, the reference for the native GEMM. */
function naiveMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p] as number;
      for (let j = 0; j < n; j++) c[i * n + j] = (c[i * n + j] as number) + av * (b[p * n + j] as number);
    }
  return c;
}

function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j] as number;
  return t;
}

describe('matmul', () => {
  it('multiplies small matrices exactly', () => {
    const a = zd.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const b = zd.tensor([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    expect(zd.matmul(a, b).toArray()).toEqual([
      [58, 64],
      [139, 154],
    ]);
  });

  it.each([
    [1, 1, 1],
    [5, 7, 3],
    [64, 64, 64],
    [32, 256, 1024],
    [130, 70, 257],
  ])('matches a naive product for %i x %i @ %i x n, with every transpose', (m, k, n) => {
    const a = zd.uniform([m, k], -1, 1, { seed: m });
    const b = zd.uniform([k, n], -1, 1, { seed: n });
    const want = naiveMatmul(a.toFloat32Array(), b.toFloat32Array(), m, k, n);
    const tol = 1e-5 * Math.sqrt(k) * 4;
    expect(maxAbsDiff(zd.matmul(a, b).toFloat32Array(), want)).toBeLessThan(tol);
    const at = zd.tensor(transpose(a.toFloat32Array(), m, k), [k, m]);
    const bt = zd.tensor(transpose(b.toFloat32Array(), k, n), [n, k]);
    expect(maxAbsDiff(zd.matmul(at, b, { transposeA: true }).toFloat32Array(), want)).toBeLessThan(tol);
    expect(maxAbsDiff(zd.matmul(a, bt, { transposeB: true }).toFloat32Array(), want)).toBeLessThan(tol);
    expect(maxAbsDiff(zd.matmul(at, bt, { transposeA: true, transposeB: true }).toFloat32Array(), want)).toBeLessThan(tol);
  });

  it('batches over equal leading dimensions', () => {
    const a = zd.tensor([[[1, 2]], [[3, 4]]]);
    const b = zd.tensor([[[1], [1]], [[2], [0.5]]]);
    const c = zd.matmul(a, b);
    expect(c.shape).toEqual([2, 1, 1]);
    expect(c.toArray()).toEqual([[[3]], [[8]]]);
  });

  it('computes the same product asynchronously', async () => {
    const a = zd.randn([200, 300], { seed: 1 });
    const b = zd.randn([300, 100], { seed: 2 });
    const sync = zd.matmul(a, b).toFloat32Array();
    const async = await zd.matmulAsync(a, b);
    expect(async).toBeInstanceOf(zd.Tensor);
    expect(maxAbsDiff(async.toFloat32Array(), sync)).toBe(0);
  });
});

describe('elementwise ops', () => {
  const a = zd.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('add, sub and mul with equal shapes, broadcasting and scalars', () => {
    expect(zd.add(a, a).toArray()).toEqual([
      [2, 4, 6],
      [8, 10, 12],
    ]);
    expect(zd.sub(a, zd.tensor([1, 1, 1])).toArray()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(zd.mul(a, zd.tensor([[10], [100]])).toArray()).toEqual([
      [10, 20, 30],
      [400, 500, 600],
    ]);
    expect(zd.mul(a, 0.5).toArray()).toEqual([
      [0.5, 1, 1.5],
      [2, 2.5, 3],
    ]);
    expect(zd.add(1, a).toArray()).toEqual([
      [2, 3, 4],
      [5, 6, 7],
    ]);
  });

  it('sigmoid, tanh, relu and exp agree with Math to 1e-6', () => {
    const xs = Array.from({ length: 401 }, (_, i) => -20 + i * 0.1);
    const x = zd.tensor(xs);
    const check = (t: InstanceType<typeof zd.Tensor>, f: (v: number) => number) =>
      maxAbsDiff(t.toFloat32Array(), xs.map(f));
    expect(check(zd.sigmoid(x), (v) => 1 / (1 + Math.exp(-v)))).toBeLessThanOrEqual(1e-6);
    expect(check(zd.tanh(x), Math.tanh)).toBeLessThanOrEqual(1e-6);
    expect(check(zd.relu(x), (v) => Math.max(Math.fround(v), 0))).toBe(0);
    const small = zd.tensor([-3, -1, 0, 0.5, 2]);
    const e = zd.exp(small).toFloat32Array();
    [-3, -1, 0, 0.5, 2].forEach((v, i) => expect((e[i] as number) / Math.exp(v)).toBeCloseTo(1, 6));
  });

  it('softmax and logSoftmax are stable with huge logits', () => {
    const logits = zd.tensor([
      [1000, 1001, 1002],
      [-5, 0, 5],
    ]);
    const p = zd.softmax(logits).toArray() as number[][];
    const z = 1 + Math.exp(1) + Math.exp(2);
    expect(p[0]?.[2]).toBeCloseTo(Math.exp(2) / z, 6);
    for (const row of p) expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    const lp = zd.logSoftmax(logits).toArray() as number[][];
    expect(lp[0]?.[0]).toBeCloseTo(-2 - Math.log(Math.exp(-2) + Math.exp(-1) + 1), 4);
    const cols = zd.softmax(logits, 0).toArray() as number[][];
    expect((cols[0]?.[0] as number) + (cols[1]?.[0] as number)).toBeCloseTo(1, 6);
  });

  it('sums everything, along an axis, and with keepDims', () => {
    expect(zd.sum(a).toArray()).toBe(21);
    expect(zd.sum(a).shape).toEqual([]);
    expect(zd.sum(a, 0).toArray()).toEqual([5, 7, 9]);
    expect(zd.sum(a, -1).toArray()).toEqual([6, 15]);
    expect(zd.sum(a, 1, { keepDims: true }).shape).toEqual([2, 1]);
  });

  it('reports what the native backend runs on', () => {
    const info = zd.backendInfo();
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(['Avx2Fma', 'Scalar']).toContain(info.simd);
    expect(typeof info.avx512).toBe('boolean');
    if (info.simd === 'Scalar') expect(info.avx512).toBe(false);
    expect(info.gemm).toMatch(/Gemm|Matrix/);
  });
});
