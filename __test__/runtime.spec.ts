// How the addon behaves inside a Node process: memory reclaimed by GC, the event loop kept free by
// async work (all of it on one worker thread), and independent loading in worker threads.
import { describe, expect, it } from 'vitest';
import { runNode, zd } from './helpers.js';

describe('memory', () => {
  it('is reclaimed by the GC without dispose(), because native bytes are reported to V8', () => {
    // 3000 x 4 MB = 12 GB written in total (full() touches every page). If V8 did not see the
    // native memory it would not collect the small JS wrappers and RSS would climb into the
    // gigabytes. The loop yields now and then, as a service does: Node runs native finalizers
    // from the event loop.
    const r = runNode(`
      const zd = require('./dist/index.js');
      (async () => {
        let peak = 0;
        for (let i = 0; i < 3000; i++) {
          zd.full([1024, 1024], 1);
          if (i % 20 === 0) {
            await new Promise(setImmediate);
            peak = Math.max(peak, process.memoryUsage().rss);
          }
        }
        console.log(JSON.stringify({ peakMb: peak / 2 ** 20 }));
      })();
    `);
    expect(r.status, r.stderr).toBe(0);
    const { peakMb } = JSON.parse(r.stdout) as { peakMb: number };
    expect(peakMb).toBeLessThan(1500);
  });

  it('is released at once by dispose(), so the next tensors reuse it', () => {
    const r = runNode(`
      const zd = require('./dist/index.js');
      const mb = () => ({ rss: process.memoryUsage().rss / 2 ** 20 });
      const base = mb();
      const round = () => {
        const ts = Array.from({ length: 50 }, () => zd.full([1024, 1024], 1));
        const held = mb();
        ts.forEach((t) => t.dispose());
        return held;
      };
      const first = round();
      const second = round();
      console.log(JSON.stringify({ rssFirst: first.rss - base.rss, rssSecond: second.rss - first.rss }));
    `);
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout) as Record<string, number>;
    expect(m.rssFirst).toBeGreaterThan(150);
    // Without dispose() the second 200 MB would come on top of the first.
    expect(m.rssSecond).toBeLessThan((m.rssFirst as number) / 2);
  });
});

describe('async work', () => {
  it('keeps the event loop responsive while big products run', async () => {
    const a = zd.randn([768, 768], { seed: 1 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 12 }, () => zd.matmulAsync(a, a)));
    const elapsed = Date.now() - started;
    clearInterval(timer);
    expect(results).toHaveLength(12);
    // The timer kept firing during the work: the loop was never blocked for the whole duration.
    expect(ticks).toBeGreaterThan(Math.min(5, elapsed / 20));
  });

  it('gives each of several models queued at once the same results as one after the other', async () => {
    // All async jobs share one worker thread: interleaving models must not mix their state.
    const make = (seed: number) => {
      const m = new zd.Sequential([
        zd.layers.lstm({ units: 8, returnSequences: true, inputShape: [5, 3] }),
        zd.layers.dense({ units: 2 }),
      ], { seed });
      m.compile({ optimizer: zd.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
      return m;
    };
    const x = zd.randn([4, 5, 3], { seed: 3 });
    const y = zd.randn([4, 5, 2], { seed: 4 });
    const run = (m: ReturnType<typeof make>) => m.trainOnBatch(x, y).then(() => m.predictAsync(x)).then((p) => p.toArray());
    const sequential = [await run(make(1)), await run(make(2))];
    const together = await Promise.all([run(make(1)), run(make(2))]);
    expect(together).toEqual(sequential);
    expect(sequential[0]).not.toEqual(sequential[1]);
  });

  it('keeps the process alive until a pending job settles', () => {
    // The job's promise is the only thing left to wait for when the script ends.
    const r = runNode(`
      const zd = require('./dist/index.js');
      const a = zd.randn([512, 512], { seed: 1 });
      zd.matmulAsync(a, a).then((p) => console.log(JSON.stringify(p.shape)));
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([512, 512]);
  });

  it('survives a worker thread that exits with jobs still queued', () => {
    // The worker's promises can no longer settle: their jobs still run, and nothing crashes.
    const r = runNode(`
      const { Worker } = require('node:worker_threads');
      const zd = require('./dist/index.js');
      const code = "const zd = require(process.cwd() + '/dist/index.js');" +
        "const a = zd.randn([768, 768], { seed: 1 });" +
        "for (let i = 0; i < 6; i++) zd.matmulAsync(a, a);" +
        "require('node:worker_threads').parentPort.postMessage('queued');";
      const w = new Worker(code, { eval: true });
      w.on('message', async () => {
        await w.terminate();
        const b = await zd.matmulAsync(zd.ones([2, 3]), zd.ones([3, 2]));
        console.log(JSON.stringify(b.toArray()));
      });
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([[3, 3], [3, 3]]);
  });
});

describe('worker threads', () => {
  it('load the addon independently and compute in parallel', () => {
    const r = runNode(`
      const { Worker } = require('node:worker_threads');
      const code = "const zd = require(process.cwd() + '/dist/index.js');" +
        "const { parentPort } = require('node:worker_threads');" +
        "parentPort.postMessage(zd.sum(zd.matmul(zd.ones([8, 4]), zd.ones([4, 2]))).toArray());";
      Promise.all([0, 1].map(() => new Promise((res, rej) => {
        const w = new Worker(code, { eval: true });
        w.on('message', res); w.on('error', rej);
      }))).then((v) => console.log(JSON.stringify(v)));
    `);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([64, 64]);
  });
});
