// How the addon behaves inside a Node process: memory reclaimed by GC, the event loop kept free by
// async work, and independent loading in worker threads.
import { describe, expect, it } from 'vitest';
import { runNode, zd } from './helpers.js';

describe('memory', () => {
  it('is reclaimed by the GC without dispose(), because native bytes are reported to V8', () => {
    // 3000 x 4 MB = 12 GB allocated in total; if V8 did not see the native memory it would not
    // collect the small JS wrappers and RSS would climb into the gigabytes.
    const r = runNode(`
      const zd = require('./dist/index.js');
      let peak = 0;
      for (let i = 0; i < 3000; i++) {
        zd.zeros([1024, 1024]);
        if (i % 100 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      console.log(JSON.stringify({ peakMb: peak / 2 ** 20 }));
    `);
    expect(r.status, r.stderr).toBe(0);
    const { peakMb } = JSON.parse(r.stdout) as { peakMb: number };
    expect(peakMb).toBeLessThan(1500);
  });

  it('is freed at once by dispose()', () => {
    const r = runNode(`
      const zd = require('./dist/index.js');
      const base = process.memoryUsage().rss;
      const ts = Array.from({ length: 50 }, () => zd.ones([1024, 1024]));
      const held = process.memoryUsage().rss;
      ts.forEach((t) => t.dispose());
      const after = process.memoryUsage().rss;
      console.log(JSON.stringify({ heldMb: (held - base) / 2 ** 20, afterMb: (after - base) / 2 ** 20 }));
    `);
    expect(r.status, r.stderr).toBe(0);
    const { heldMb, afterMb } = JSON.parse(r.stdout) as { heldMb: number; afterMb: number };
    expect(heldMb).toBeGreaterThan(150);
    expect(afterMb).toBeLessThan(heldMb / 2);
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
