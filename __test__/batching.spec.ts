// Dynamic batching in predictAsync (ts/serving/batcher.ts): concurrent calls on one model are
// gathered into one native batch while a call is in flight, and each caller gets its own rows.
//
// Exactness. Every caller's rows are checked bit for bit against `predict()` on the very batch the
// batcher formed (reconstructed from `batchingStats.recent`): concatenating and splitting add no
// error. Against each call run alone the check is to a tolerance, for a documented reason: the
// kernels choose their algorithm by batch size, so the same row can round differently in a batch
// of 1, 3 or 40 rows (measured: up to 4e-7 on outputs of magnitude ~1; a row never depends on
// its neighbours' values or its position within a batch of a given size). Dense layers: the gemm
// crate's blocking and kernels depend on the row count (m = 1 is a matrix-vector product) and
// sgemm splits products over threads from 96^3 multiply-adds. Recurrent layers: one sequence
// takes the serving path (nn/recurrent/serving.rs, its sums in another order), up to three rows
// matrix-vector products (step_product.rs, gemv::MAX_ROWS), from four rows packed weights. A
// wrong row (a split or ordering bug) would be off by orders of magnitude more than TOLERANCE.
// With maxBatchSize 1 (no gathering) results are checked bit for bit against predict() alone.
import { describe, expect, it } from 'vitest';
import { zd } from './helpers.js';

const { layers, Sequential } = zd;
type Tensor = InstanceType<typeof zd.Tensor>;
type Model = InstanceType<typeof Sequential>;

/** |a - b| <= TOLERANCE * (1 + |b|): see the header for why a tolerance against calls run alone. */
const TOLERANCE = 1e-5;

interface Call {
  x: Tensor;
  lengths?: number[];
}

const dense = () =>
  new Sequential([layers.dense({ units: 64, activation: 'relu', inputShape: [40] }), layers.dense({ units: 10, activation: 'softmax' })], { seed: 11 });
const lstm = (returnSequences = false) =>
  new Sequential([layers.lstm({ units: 24, returnSequences, inputShape: [null, 4] }), layers.dense({ units: 3 })], { seed: 12 });

const predictAsync = (m: Model, c: Call) => m.predictAsync(c.x, c.lengths ? { lengths: c.lengths } : {});

/** predict() on the batch the batcher formed for each native call since `from`, split per caller. */
function formedBatchOutputs(model: Model, calls: Call[], firstId: number, from: number): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  for (const rec of model.batchingStats.recent.slice(from)) {
    const members = rec.requests.map((id) => calls[id - firstId] as Call);
    const sample = members[0]?.x.shape.slice(1) as number[];
    const per = sample.reduce((a, b) => a * b, 1);
    const data = new Float32Array(rec.rows * per);
    const withLengths = members.some((c) => c.lengths);
    const lengths: number[] = [];
    let at = 0;
    for (const c of members) {
      data.set(c.x.toFloat32Array(), at * per);
      const rows = c.x.shape[0] as number;
      for (let r = 0; r < rows; r++) lengths.push(c.lengths ? (c.lengths[r] as number) : (sample[0] as number));
      at += rows;
    }
    const y = model.predict(zd.tensor(data, [rec.rows, ...sample]), withLengths ? { lengths } : {});
    const values = y.toFloat32Array();
    const perOut = values.length / rec.rows;
    at = 0;
    rec.requests.forEach((id, i) => {
      const rows = members[i]?.x.shape[0] as number;
      out.set(id, values.slice(at * perOut, (at + rows) * perOut));
      at += rows;
    });
  }
  return out;
}

function expectBitEqual(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const at = actual.findIndex((v, i) => !Object.is(v, expected[i]));
  expect(at, `${what}: first differing value`).toBe(-1);
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)) / (1 + Math.abs(expected[i] as number)));
  expect(worst, what).toBeLessThanOrEqual(TOLERANCE);
}

/**
 * Runs the calls concurrently and checks every result: shape as predict() alone, bit for bit as
 * predict() on the formed batch, to TOLERANCE as predict() alone. Returns the native calls made.
 */
async function checkConcurrent(model: Model, calls: Call[]): Promise<{ rows: number; requests: number[] }[]> {
  const before = model.batchingStats;
  const results = await Promise.all(calls.map((c) => predictAsync(model, c)));
  const recent = model.batchingStats.recent.slice(before.recent.length);
  const batched = formedBatchOutputs(model, calls, before.submitted, before.recent.length);
  results.forEach((y, i) => {
    const alone = model.predict(calls[i]!.x, calls[i]!.lengths ? { lengths: calls[i]!.lengths! } : {});
    expect(y.shape, `call ${i}: shape`).toEqual(alone.shape);
    expectBitEqual(y.toFloat32Array(), batched.get(before.submitted + i) as Float32Array, `call ${i} vs predict() on its batch`);
    expectClose(y.toFloat32Array(), alone.toFloat32Array(), `call ${i} vs predict() alone`);
  });
  // Every call answered exactly once.
  expect(recent.flatMap((r) => r.requests).sort((a, b) => a - b)).toEqual(calls.map((_, i) => before.submitted + i));
  return recent;
}

describe('predictAsync batching', () => {
  it('gathers concurrent calls on a dense model; each caller gets its own rows', async () => {
    const model = dense();
    const calls = Array.from({ length: 60 }, (_, i) => ({ x: zd.randn([1 + (i % 4), 40], { seed: 100 + i }) }));
    const recent = await checkConcurrent(model, calls);
    // The first call goes straight out; the others wait for it and go out together.
    expect(recent[0]?.requests).toEqual([0]);
    expect(recent.length).toBeLessThan(calls.length / 4);
    expect(Math.max(...recent.map((r) => r.requests.length))).toBeGreaterThan(10);
    // Plain arrays too (converted per call).
    const arrays = Array.from({ length: 8 }, (_, i) => zd.randn([2, 40], { seed: 300 + i }).toArray() as number[][]);
    const ys = await Promise.all(arrays.map((a) => model.predictAsync(a)));
    ys.forEach((y, i) => expectClose(y.toFloat32Array(), model.predict(arrays[i]!).toFloat32Array(), `array call ${i}`));
  });

  it('gathers LSTM calls of the same length, mixed shapes in separate batches (FIFO), mixed lengths together', async () => {
    for (const returnSequences of [false, true]) {
      const model = lstm(returnSequences);
      const calls: Call[] = Array.from({ length: 48 }, (_, i) => {
        const steps = [6, 9, 6, 3][i % 4] as number;
        const rows = 1 + (i % 3);
        const x = zd.randn([rows, steps, 4], { seed: 500 + i });
        // Some calls pad: lengths on every third call.
        return i % 3 === 1 ? { x, lengths: Array.from({ length: rows }, (_, r) => 1 + ((i + r) % steps)) } : { x };
      });
      const recent = await checkConcurrent(model, calls);
      for (const rec of recent) {
        const steps = new Set(rec.requests.map((id) => calls[id]!.x.shape[1]));
        expect(steps.size, 'one sequence length per batch').toBe(1);
      }
      // FIFO-fair: each batch is led by the oldest call still waiting.
      const heads = recent.map((r) => r.requests[0] as number);
      expect(heads).toEqual([...heads].sort((a, b) => a - b));
      expect(recent.some((r) => r.requests.some((id) => calls[id]!.lengths) && r.requests.some((id) => !calls[id]!.lengths)), 'calls with and without lengths share a batch').toBe(true);
      expect(recent.length).toBeLessThan(10);
    }
  });

  it('with maxBatchSize 1, runs one call at a time with results bit-identical to predict() alone', async () => {
    for (const model of [dense(), lstm()]) {
      model.setBatching({ maxBatchSize: 1 });
      const shape = model.toJSON().inputShape.map((d) => d ?? 5);
      const calls = Array.from({ length: 12 }, (_, i) => zd.randn([1 + (i % 3), ...shape], { seed: 700 + i }));
      const ys = await Promise.all(calls.map((x) => model.predictAsync(x)));
      ys.forEach((y, i) => expectBitEqual(y.toFloat32Array(), model.predict(calls[i]!).toFloat32Array(), `call ${i}`));
      const s = model.batchingStats;
      expect(s.nativeCalls).toBe(12);
      expect(s.maxRequests).toBe(1);
    }
  });

  it('a bad call among good ones fails only its own caller, with the error it gets alone', async () => {
    const model = dense();
    const good = Array.from({ length: 10 }, (_, i) => zd.randn([2, 40], { seed: 900 + i }));
    const nan = zd.randn([2, 40], { seed: 1 }).toFloat32Array();
    nan[45] = Number.NaN;
    const bad = [
      zd.randn([2, 39], { seed: 2 }), // another width: fails the shape check, goes alone
      zd.tensor(nan, [2, 40]), // joins (the shape fits), fails the batch: its calls run again alone
      zd.randn([40], { seed: 3 }), // no batch axis
    ];
    const mixed = [good[0]!, good[1]!, bad[0]!, good[2]!, bad[1]!, good[3]!, good[4]!, bad[2]!, ...good.slice(5)];
    const settled = await Promise.allSettled(mixed.map((x) => model.predictAsync(x)));
    settled.forEach((s, i) => {
      const x = mixed[i]!;
      if (bad.includes(x)) {
        expect(s.status, `call ${i}`).toBe('rejected');
        let alone: (Error & { code?: string }) | undefined;
        try {
          model.predict(x);
        } catch (err) {
          alone = err as Error & { code?: string };
        }
        const e = (s as PromiseRejectedResult).reason as Error & { code?: string };
        expect(e).toBeInstanceOf(zd.ZerodlError);
        expect([e.code, e.message]).toEqual([alone?.code, alone?.message]);
      } else {
        expect(s.status, `call ${i}`).toBe('fulfilled');
        expectClose((s as PromiseFulfilledResult<Tensor>).value.toFloat32Array(), model.predict(x).toFloat32Array(), `call ${i}`);
      }
    });
    expect(model.batchingStats.retried).toBeGreaterThan(1);

    // An embedding id out of range is only found natively: the joined batch fails, then each
    // call runs alone.
    const emb = new Sequential([layers.embedding({ inputDim: 10, outputDim: 4, inputShape: [null] }), layers.lstm({ units: 8 })], { seed: 4 });
    const ids = [[[1, 2, 3]], [[4, 5, 6]], [[7, 8, 12]], [[9, 0, 1]], [[2, 2, 2]]].map((a) => zd.tensor(a));
    const r = await Promise.allSettled(ids.map((x) => emb.predictAsync(x)));
    expect(r.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(((r[2] as PromiseRejectedResult).reason as Error).message).toBe('embedding_0: ids must be integers in [0, 10), got 12 at flat index 2');
    expect(emb.batchingStats.retried).toBe(4);
  });

  it('never gathers calls of a model with stateful recurrent layers (state carries per call)', async () => {
    const make = () => new Sequential([layers.lstm({ units: 8, stateful: true, inputShape: [5, 3] }), layers.dense({ units: 2 })], { seed: 5 });
    const model = make();
    const twin = make();
    const calls = Array.from({ length: 8 }, (_, i) => zd.randn([2, 5, 3], { seed: 40 + i }));
    const ys = await Promise.all(calls.map((x) => model.predictAsync(x)));
    const s = model.batchingStats;
    expect(s.nativeCalls).toBe(8);
    expect(s.recent.map((r) => r.requests)).toEqual(calls.map((_, i) => [i]));
    // In order, each from the state the one before left: as predict() one after the other.
    ys.forEach((y, i) => expectBitEqual(y.toFloat32Array(), twin.predict(calls[i]!).toFloat32Array(), `call ${i}`));
  });

  it('never gathers calls of a model whose recurrent layer starts from a state set with setState()', async () => {
    const model = new Sequential([layers.gru({ units: 4, inputShape: [3, 2] }), layers.dense({ units: 1 })], { seed: 6 });
    const gru = model.layers[0] as InstanceType<typeof zd.layers.Recurrent>;
    gru.setState({ h: zd.randn([1, 2, 4], { seed: 1 }) });
    const calls = Array.from({ length: 4 }, (_, i) => zd.randn([2, 3, 2], { seed: 90 + i }));
    const ys = await Promise.all(calls.map((x) => model.predictAsync(x)));
    expect(model.batchingStats.nativeCalls).toBe(4);
    ys.forEach((y, i) => expectBitEqual(y.toFloat32Array(), model.predict(calls[i]!).toFloat32Array(), `call ${i}`));
    gru.resetStates();
    await Promise.all(calls.map((x) => model.predictAsync(x)));
    expect(model.batchingStats.nativeCalls).toBeLessThan(8);
  });

  it('respects maxBatchSize; a call larger than it runs alone', async () => {
    const model = dense();
    model.setBatching({ maxBatchSize: 8 });
    const calls = Array.from({ length: 30 }, (_, i) => ({ x: zd.randn([i === 17 ? 20 : 1 + (i % 3), 40], { seed: 60 + i }) }));
    const recent = await checkConcurrent(model, calls);
    for (const rec of recent) if (rec.requests.length > 1) expect(rec.rows).toBeLessThanOrEqual(8);
    expect(recent.find((r) => r.requests.includes(17))).toEqual({ rows: 20, requests: [17] });
    expect(recent.some((r) => r.rows === 8)).toBe(true);
    expect(model.batchingStats.maxRows).toBe(20);
  });

  it('maxWaitMs holds an idle model to gather, and sends early once maxBatchSize rows wait', async () => {
    const model = dense();
    model.setBatching({ maxWaitMs: 30 });
    const calls = Array.from({ length: 5 }, (_, i) => ({ x: zd.randn([1, 40], { seed: 80 + i }) }));
    const recent = await checkConcurrent(model, calls);
    expect(recent).toEqual([{ rows: 5, requests: [0, 1, 2, 3, 4] }]);

    model.setBatching({ maxBatchSize: 4, maxWaitMs: 60_000 });
    const t0 = Date.now();
    const more = await checkConcurrent(model, calls.slice(0, 4));
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(more).toEqual([{ rows: 4, requests: [5, 6, 7, 8] }]);
    expect(model.batchingStats.nativeCalls).toBe(2);
  });

  it('a waiting call keeps its input even if the caller disposes it', async () => {
    const model = dense();
    const xs = Array.from({ length: 4 }, (_, i) => zd.randn([2, 40], { seed: 20 + i }));
    const expected = xs.map((x) => model.predict(x).toFloat32Array());
    const pending = xs.map((x) => model.predictAsync(x));
    xs.forEach((x) => x.dispose());
    const ys = await Promise.all(pending);
    ys.forEach((y, i) => expectClose(y.toFloat32Array(), expected[i]!, `call ${i}`));
    expect(model.batchingStats.maxRequests).toBe(3);
  });

  it('setBatching() validates its options strictly', () => {
    const model = dense();
    const err = (options: unknown) => {
      try {
        model.setBatching(options as never);
      } catch (e) {
        return e as Error & { code?: string };
      }
      throw new Error(`setBatching(${String(options)}) did not throw`);
    };
    expect(err({ maxBatchsize: 4 }).message).toMatch(/unknown option "maxBatchsize"; did you mean "maxBatchSize"\?/);
    expect(err({ maxWait: 4 }).message).toMatch(/did you mean "maxWaitMs"/);
    for (const bad of [0, -1, 1.5, '4', Number.NaN, Number.POSITIVE_INFINITY, null]) {
      const e = err({ maxBatchSize: bad });
      expect(e.code).toBe('ERR_INVALID_ARGUMENT');
      expect(e.message).toMatch(/setBatching\(\) expects maxBatchSize to be an integer >= 1/);
    }
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5', 2 ** 31, null]) {
      const e = err({ maxWaitMs: bad });
      expect(e.code).toBe('ERR_INVALID_ARGUMENT');
      expect(e.message).toMatch(/setBatching\(\) expects maxWaitMs to be a number of milliseconds from 0 to 2147483647/);
    }
    for (const bad of [undefined, null, 5, [1]]) expect(err(bad).code).toBe('ERR_INVALID_ARGUMENT');
    // Valid settings, each keeping the others.
    model.setBatching({ maxBatchSize: 16 });
    model.setBatching({ maxWaitMs: 2.5 });
    model.setBatching({});
    expect(model.batchingStats.nativeCalls).toBe(0);
  });
});
