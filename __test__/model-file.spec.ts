// Models as files: every model kind saves and loads (file and buffer) and predicts identically in
// a new process; training resumes bit-identically with the optimizer state; checkpoints during
// fit; writes are atomic (a save failed on purpose and a save killed midway leave the old file).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runNode, zd } from './helpers.js';

const { layers: L, Sequential } = zd;
const dir = mkdtempSync(join(tmpdir(), 'zerodl-model-file-'));

/** Every layer kind and recurrent option, with an input for it. */
const MODELS: Record<string, { make: () => InstanceType<typeof Sequential>; x: number[][] | number[][][] }> = {
  mlp: {
    make: () => new Sequential([L.dense({ units: 6, activation: 'relu', inputShape: [4] }), L.dropout({ rate: 0.2 }), L.dense({ units: 3, activation: 'softmax' })], { seed: 1 }),
    x: [[0.1, -0.2, 0.3, 0.9], [1, 2, -3, 0.5]],
  },
  embeddingLstm: {
    make: () => new Sequential([L.embedding({ inputDim: 10, outputDim: 4, inputShape: [5] }), L.lstm({ units: 6, peephole: true }), L.dense({ units: 2 })], { seed: 2 }),
    x: [[1, 2, 3, 4, 5], [9, 0, 0, 1, 2]],
  },
  gruStack: {
    make: () => new Sequential([L.gru({ units: 5, numLayers: 2, dropout: 0.1, bidirectional: true, returnSequences: true, inputShape: [3, 2] }), L.dense({ units: 1 })], { seed: 3 }),
    x: [[[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]],
  },
  rnn: {
    make: () => new Sequential([L.simpleRNN({ units: 4, activation: 'relu', inputShape: [null, 2] }), L.dense({ units: 2, activation: 'tanh' })], { seed: 4 }),
    x: [[[1, 0], [0, 1], [1, 1], [0.5, -0.5]]],
  },
};

describe('model files', () => {
  it('every Sequential saves and loads (file and buffer) and predicts identically in a new process', async () => {
    const expected: Record<string, number[]> = {};
    for (const [name, { make, x }] of Object.entries(MODELS)) {
      const model = make();
      model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
      const file = join(dir, `${name}.safetensors`);
      await model.save(file);
      expected[name] = Array.from(model.predict(x).toFloat32Array());
      const fromBuffer = await zd.loadModel(model.toBuffer());
      expect(fromBuffer).toBeInstanceOf(Sequential);
      expect(Array.from((fromBuffer as InstanceType<typeof Sequential>).predict(x).toFloat32Array())).toEqual(expected[name]);
      expect((fromBuffer as InstanceType<typeof Sequential>).toJSON()).toEqual(model.toJSON());
    }
    const script = `
      const zd = require('./dist/index.js');
      (async () => {
        const out = {};
        for (const [name, x] of Object.entries(${JSON.stringify(Object.fromEntries(Object.entries(MODELS).map(([n, m]) => [n, m.x])))})) {
          const model = await zd.loadModel(${JSON.stringify(dir)} + '/' + name + '.safetensors');
          out[name] = { y: Array.from(model.predict(x).toFloat32Array()), compiled: model.toJSON().training !== undefined };
        }
        console.log(JSON.stringify(out));
      })();`;
    const r = runNode(script);
    expect(r.stderr).toBe('');
    const got = JSON.parse(r.stdout) as Record<string, { y: number[]; compiled: boolean }>;
    for (const name of Object.keys(MODELS)) {
      expect(got[name]?.y, name).toEqual(expected[name]);
      expect(got[name]?.compiled, name).toBe(true);
    }
  });

  it('the perceptron and the linear unit save and load exactly, in float64', async () => {
    const p = new zd.Perceptron(3);
    p.setWeights([0.1, -1 / 3, 2.5e-9], Math.PI);
    await p.save(join(dir, 'p.safetensors'));
    const u = new zd.LinearUnit(2);
    u.setWeights([1 / 7, -2], 0.5);
    const r = runNode(`
      const zd = require('./dist/index.js');
      (async () => {
        const p = await zd.loadModel(${JSON.stringify(join(dir, 'p.safetensors'))});
        console.log(JSON.stringify([p.constructor.name, p.weights, p.bias, p.predict([1, 1, 1])]));
      })();`);
    expect(JSON.parse(r.stdout)).toEqual(['Perceptron', [0.1, -1 / 3, 2.5e-9], Math.PI, p.predict([1, 1, 1])]);
    const back = (await zd.loadModel(new Uint8Array(u.toBuffer()).buffer)) as InstanceType<typeof zd.LinearUnit>; // an ArrayBuffer, as fetch() gives
    expect(back).toBeInstanceOf(zd.LinearUnit);
    expect([back.weights, back.bias]).toEqual([[1 / 7, -2], 0.5]);
  });

  it('a file opens as a state_dict (header: PyTorch names, float32, metadata)', async () => {
    const model = MODELS.mlp!.make();
    const bytes = Buffer.from(model.toBuffer());
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString()) as Record<string, { dtype: string; shape: number[] } & Record<string, string>>;
    const meta = header.__metadata__ as unknown as Record<string, string>;
    expect(meta.format).toBe('zerodl.model');
    expect(meta.version).toBe('1');
    expect(JSON.parse(meta.description!)).toEqual(model.toJSON());
    // nn.Sequential(Linear, ReLU, Dropout, Linear, Softmax) numbers the second Linear 3.
    expect(Object.keys(header).filter((k) => k !== '__metadata__').sort()).toEqual(['0.bias', '0.weight', '3.bias', '3.weight']);
    expect(header['3.weight']).toMatchObject({ dtype: 'F32', shape: [3, 6] });
  });

  it('training resumes bit-identically from a file with the optimizer state (shuffle, dropout, Adam)', async () => {
    const make = () => {
      const m = new Sequential([L.dense({ units: 8, activation: 'relu', inputShape: [3] }), L.dropout({ rate: 0.3 }), L.dense({ units: 2 })], { seed: 7 });
      m.compile({ optimizer: zd.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
      return m;
    };
    const x = zd.randn([40, 3], { seed: 1 });
    const y = zd.randn([40, 2], { seed: 2 });
    const fitArgs = { batchSize: 8, seed: 11, verbose: 0 as const };
    const straight = make();
    await straight.fit(x, y, { ...fitArgs, epochs: 4 });
    const first = make();
    await first.fit(x, y, { ...fitArgs, epochs: 2 });
    const file = join(dir, 'resume.safetensors');
    await first.save(file, { includeOptimizer: true });
    const resumed = (await zd.loadModel(file)) as InstanceType<typeof Sequential>;
    await resumed.fit(x, y, { ...fitArgs, epochs: 4, initialEpoch: 2 });
    const a = straight.getWeights();
    const b = resumed.getWeights();
    for (const name of Object.keys(a)) expect(Array.from(b[name]!.toFloat32Array()), name).toEqual(Array.from(a[name]!.toFloat32Array()));
    // Without the optimizer state Adam starts over, so the run differs.
    const restarted = (await zd.loadModel(first.toBuffer())) as InstanceType<typeof Sequential>;
    await restarted.fit(x, y, { ...fitArgs, epochs: 4, initialEpoch: 2 });
    expect(Array.from(restarted.getWeights()['0.weight']!.toFloat32Array())).not.toEqual(Array.from(a['0.weight']!.toFloat32Array()));
  });

  it('modelCheckpoint saves every epoch, or only the best', async () => {
    const model = MODELS.mlp!.make();
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = zd.randn([30, 4], { seed: 3 });
    const y = zd.tensor(Array.from({ length: 30 }, (_, i) => i % 3));
    const every = zd.callbacks.modelCheckpoint({ path: join(dir, 'ck-{epoch}.safetensors') });
    const best = zd.callbacks.modelCheckpoint({ path: join(dir, 'best.safetensors'), monitor: 'val_loss', saveBestOnly: true });
    const history = await model.fit(x, y, { epochs: 3, validationSplit: 0.2, verbose: 0, seed: 1, callbacks: [every, best] });
    expect(every.saved).toEqual([1, 2, 3].map((e) => join(dir, `ck-${e}.safetensors`)));
    const losses = history.history.val_loss as number[];
    const improving = losses.filter((l, i) => losses.slice(0, i).every((p) => l < p)).length;
    expect(best.saved.length).toBe(improving);
    expect(best.best).toBe(Math.min(...losses));
    const last = (await zd.loadModel(join(dir, 'ck-3.safetensors'))) as InstanceType<typeof Sequential>;
    expect(Array.from(last.predict(x).toFloat32Array())).toEqual(Array.from(model.predict(x).toFloat32Array()));
  });

  it('a save that fails (file size limit: a full disk) leaves the old file intact and no temporary file', async () => {
    const folder = mkdtempSync(join(dir, 'efbig-'));
    const target = join(folder, 'model.safetensors');
    const small = new Sequential([L.dense({ units: 2, inputShape: [2] })], { seed: 1 });
    await small.save(target);
    const before = readFileSync(target);
    // The child may write at most 64 KiB per file; a 4 MB model's save fails with EFBIG.
    const script = `
      process.on('SIGXFSZ', () => {});
      const zd = require('./dist/index.js');
      const big = new zd.Sequential([zd.layers.dense({ units: 1000, inputShape: [1000] })], { seed: 2 });
      big.save(${JSON.stringify(target)}).then(() => console.log('saved'), (e) => console.log(e.code + ' ' + e.message));`;
    const r = spawnSync('bash', ['-c', `ulimit -f 64; exec "${process.execPath}" -e "$0"`, script], { cwd: root, encoding: 'utf8' });
    expect(r.stdout).toMatch(/^ERR_IO save\(\): could not write .*model\.safetensors: .*EFBIG/);
    expect(readFileSync(target).equals(before)).toBe(true);
    expect(readdirSync(folder)).toEqual(['model.safetensors']);
  });

  it('a save killed midway leaves the old file or the new one under the target name, never a partial one', async () => {
    const folder = mkdtempSync(join(dir, 'kill-'));
    const target = join(folder, 'model.safetensors');
    const small = new Sequential([L.dense({ units: 3, inputShape: [2] })], { seed: 1 });
    await small.save(target);
    // A 64 MB model saved again and again; killed once its first temporary file appears.
    const script = `
      const zd = require('./dist/index.js');
      const big = new zd.Sequential([zd.layers.dense({ units: 4000, inputShape: [4000] })], { seed: 2 });
      (async () => { for (;;) await big.save(${JSON.stringify(target)}); })();`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const child = spawn(process.execPath, ['-e', script], { cwd: root, stdio: 'ignore' });
      const deadline = Date.now() + 60_000;
      // Kill while a temporary file is being written (it exists and is still growing).
      while (Date.now() < deadline && !readdirSync(folder).some((f) => f.endsWith('.tmp') && statSync(join(folder, f)).size > 1 << 20)) {
        await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const loaded = (await zd.loadModel(target)) as InstanceType<typeof Sequential>;
      expect([[3], [4000]]).toContainEqual(loaded.toJSON().layers.map((l) => (l as unknown as { units: number }).units));
    }
    // Only leftovers of killed writers remain besides the target: hidden temporary files.
    expect(readdirSync(folder).filter((f) => f !== 'model.safetensors').every((f) => f.startsWith('.model.safetensors.') && f.endsWith('.tmp'))).toBe(true);
    expect(existsSync(target)).toBe(true);
  });

  it('a save into a path whose folder is a file is a typed IO error', async () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const err = await MODELS.mlp!.make().save(join(file, 'm.safetensors')).catch((e: Error & { code?: string }) => e);
    expect((err as { code?: string }).code).toBe('ERR_IO');
    expect((err as Error).message).toMatch(/ENOTDIR/);
  });
});
