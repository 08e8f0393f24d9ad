// Reading weights in a synchronous loop must not grow memory (issue 18). A napi-rs class instance
// (a native tensor handle) is freed by a finalizer that Node runs only when the event loop turns,
// so handles made in a loop that never yields pile up (~300 bytes each, disposed or not: 100k
// getWeights() calls of a 4-parameter model took RSS from 60 to 190-250 MB). getWeights() now
// gives values-backed tensors (no handle unless used natively) and getWeightValues() plain
// Float32Arrays, both freed by the GC itself. Each case runs in its own child process so its
// RSS is its own.
import { describe, expect, it } from 'vitest';
import { runNode } from './helpers.js';

const CALLS = 100_000;
const WARMUP = 10_000;
const MAX_GROWTH_MB = 40;

interface Report {
  rssWarmMb: number;
  rssEndMb: number;
  checksum: number;
}

/** Runs `body` (one synchronous call, `model` in scope) CALLS times in a fresh process. */
function measure(body: string): Report {
  const script = `
const zd = require('./dist/index.js');
const model = new zd.Sequential([
  zd.layers.dense({ units: 64, activation: 'relu', inputShape: [32] }),
  zd.layers.dense({ units: 10 }),
], { seed: 1 });
const rssMb = () => process.memoryUsage().rss / 2 ** 20;
let checksum = 0;
const call = () => { ${body} };
let rssWarmMb = 0;
for (let i = 0; i < ${CALLS}; i++) {
  if (i === ${WARMUP}) rssWarmMb = rssMb();
  call();
}
console.log(JSON.stringify({ rssWarmMb, rssEndMb: rssMb(), checksum }));
`;
  const r = runNode(script);
  expect(r.signal, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Report;
}

describe('weights read in a synchronous loop', () => {
  it(`model.getWeights() + dispose(): RSS grows < ${MAX_GROWTH_MB} MB over ${CALLS} calls`, () => {
    const r = measure(`
      const w = model.getWeights();
      checksum += Object.values(w)[1].toFloat32Array()[0];
      for (const t of Object.values(w)) t.dispose();
    `);
    expect(r.rssEndMb - r.rssWarmMb, JSON.stringify(r)).toBeLessThan(MAX_GROWTH_MB);
    expect(Number.isFinite(r.checksum)).toBe(true);
  });

  it(`layer.getWeights() + dispose(): RSS grows < ${MAX_GROWTH_MB} MB over ${CALLS} calls`, () => {
    const r = measure(`
      const w = model.layers[0].getWeights();
      checksum += w.bias.toArray()[0];
      w.weight.dispose();
      w.bias.dispose();
    `);
    expect(r.rssEndMb - r.rssWarmMb, JSON.stringify(r)).toBeLessThan(MAX_GROWTH_MB);
  });

  it(`model.getWeightValues(): RSS grows < ${MAX_GROWTH_MB} MB over ${CALLS} calls`, () => {
    const r = measure(`checksum += Object.values(model.getWeightValues())[0].values[5];`);
    expect(r.rssEndMb - r.rssWarmMb, JSON.stringify(r)).toBeLessThan(MAX_GROWTH_MB);
  });
});

describe('getWeightValues() and values-backed tensors', () => {
  it('gives every parameter as shape + a Float32Array copy equal to getWeights()', async () => {
    const { zd } = await import('./helpers.js');
    const model = new zd.Sequential([
      zd.layers.lstm({ units: 3, inputShape: [4, 2] }),
      zd.layers.dense({ units: 1 }),
    ], { seed: 3 });
    const values = model.getWeightValues();
    const tensors = model.getWeights();
    expect(Object.keys(values)).toEqual(Object.keys(tensors));
    expect(values['0.weight_ih_l0']!.shape).toEqual([12, 2]);
    for (const [name, { shape, values: v }] of Object.entries(values)) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(shape.reduce((a, b) => a * b, 1));
      expect(tensors[name]!.shape).toEqual(shape);
      expect(tensors[name]!.size).toBe(v.length);
      expect(tensors[name]!.toFloat32Array()).toEqual(v);
    }
    // The arrays are copies: changing one changes neither the model nor a later read.
    values['1.bias']!.values[0] = 1234;
    expect(model.getWeightValues()['1.bias']!.values[0]).not.toBe(1234);
    tensors['1.bias']!.toFloat32Array()[0] = 1234;
    expect(tensors['1.bias']!.toFloat32Array()[0]).not.toBe(1234);
  });

  it('a values-backed tensor works in ops and setWeights, and is disposed like any other', async () => {
    const { zd } = await import('./helpers.js');
    const a = new zd.Sequential([zd.layers.dense({ units: 2, inputShape: [3] })], { seed: 1 });
    const b = new zd.Sequential([zd.layers.dense({ units: 2, inputShape: [3] })], { seed: 2 });
    const w = a.getWeights();
    expect(zd.add(w['0.bias']!, w['0.bias']!).toFloat32Array()).toEqual(w['0.bias']!.toFloat32Array().map((x) => 2 * x));
    expect(w['0.weight']!.reshape([6]).shape).toEqual([6]);
    b.setWeights(w);
    expect(b.getWeightValues()).toEqual(a.getWeightValues());
    const bias = a.getWeights()['0.bias']!;
    expect(bias.isDisposed).toBe(false);
    bias.dispose();
    bias.dispose(); // twice is fine, as for any tensor
    expect(bias.isDisposed).toBe(true);
    expect(String(bias)).toBe('Tensor(disposed)');
    for (const use of [() => bias.toFloat32Array(), () => bias.size, () => zd.add(bias, bias), () => b.setWeights({ '0.bias': bias })]) {
      expect(() => use()).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));
    }
  });
});
