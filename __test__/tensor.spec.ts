import { describe, expect, it } from 'vitest';
import { thrown, zd } from './helpers.js';

describe('tensor creation', () => {
  it('infers the shape of nested arrays and round-trips the values', () => {
    const t = zd.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.rank).toBe(2);
    expect(t.size).toBe(6);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Array.from(t.toFloat32Array())).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('writes { shape, values } to JSON, also for weights, and reads back through tensor()', () => {
    const t = zd.tensor([[1, 2.5], [3, -4]]);
    const json = JSON.parse(JSON.stringify(t)) as { shape: number[]; values: number[] };
    expect(json).toEqual({ shape: [2, 2], values: [1, 2.5, 3, -4] });
    expect(zd.tensor(json.values, json.shape).toArray()).toEqual(t.toArray());
    const model = new zd.Sequential([zd.layers.dense({ units: 2, inputShape: [3] })], { seed: 1 });
    const weights = JSON.parse(JSON.stringify(model.getWeights())) as Record<string, { shape: number[]; values: number[] }>;
    expect(weights['0.weight']?.shape).toEqual([2, 3]);
    expect(weights['0.weight']?.values).toEqual(Array.from(model.getWeights()['0.weight']!.toFloat32Array()));
  });

  it('takes a Float32Array with an explicit shape, and copies it', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = zd.tensor(data, [3, 2]);
    data[0] = 99; // the tensor owns its own copy
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
  });

  it('accepts other typed arrays and flat number arrays', () => {
    expect(zd.tensor(new Float64Array([0.5, 1.5])).toArray()).toEqual([0.5, 1.5]);
    expect(zd.tensor([1, 2, 3, 4], [2, 2]).shape).toEqual([2, 2]);
  });

  it('makes zeros, ones, full and scalars', () => {
    expect(zd.zeros([2, 2]).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(zd.ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(zd.full([2], 7).toArray()).toEqual([7, 7]);
    const s = zd.full([], 3);
    expect(s.shape).toEqual([]);
    expect(s.toArray()).toBe(3);
    expect(zd.zeros([0, 3]).toArray()).toEqual([]);
  });

  it('gives reproducible random tensors from a seed', () => {
    const a = zd.randn([3, 4], { seed: 42 }).toFloat32Array();
    const b = zd.randn([3, 4], { seed: 42 }).toFloat32Array();
    const c = zd.randn([3, 4], { seed: 43 }).toFloat32Array();
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const u = zd.uniform([1000], -2, 5, { seed: 1 }).toFloat32Array();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(5);
    const n = zd.randn([20000], { seed: 3, mean: 10, std: 2 }).toFloat32Array();
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    expect(mean).toBeCloseTo(10, 1);
  });

  it('has a readonly shape', () => {
    const t = zd.zeros([2, 3]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(() => (t.shape as number[]).push(1)).toThrow();
  });
});

describe('reshape', () => {
  it('changes the shape without changing the data, with one inferred dim', () => {
    const t = zd.tensor([1, 2, 3, 4, 5, 6]);
    expect(t.reshape([2, 3]).toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.reshape([-1, 2]).shape).toEqual([3, 2]);
  });

  it('rejects a shape with a different element count', () => {
    const err = thrown(() => zd.tensor([1, 2, 3, 4, 5, 6]).reshape([4, 2]));
    expect(err).toBeInstanceOf(zd.InvalidArgumentError);
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.message).toMatch(/\[6\].*\[4, 2\]/);
  });
});

describe('dispose', () => {
  it('frees the tensor; later use throws ERR_DISPOSED', () => {
    const t = zd.ones([4]);
    expect(t.isDisposed).toBe(false);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    t.dispose(); // idempotent
    const err = thrown(() => t.toFloat32Array());
    expect(err).toBeInstanceOf(zd.DisposedError);
    expect(err.code).toBe('ERR_DISPOSED');
    expect(thrown(() => zd.add(t, t)).code).toBe('ERR_DISPOSED');
    expect(String(t)).toBe('Tensor(disposed)');
  });

  it('leaves reshaped views that share the data usable', () => {
    const t = zd.tensor([1, 2, 3, 4]);
    const r = t.reshape([2, 2]);
    t.dispose();
    expect(r.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});
