// fit()'s progress output, written to fake streams: one line per epoch, a live bar on a TTY,
// nothing at verbose 0.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { root, thrown } from './helpers.js';

const require = createRequire(import.meta.url);
const progress = require('../dist/training/progress.js') as typeof import('../dist/training/progress.js');
const { CallbackList } = require('../dist/training/callbacks.js') as typeof import('../dist/training/callbacks.js');
const { InvalidArgumentError } = require('../dist/errors.js') as typeof import('../dist/errors.js');
type Logs = import('../dist/training/callbacks.js').Logs;

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, text: () => chunks.join(''), stream: { isTTY, columns: 160, write: (s: string) => chunks.push(s) > 0 } };
}

/** Runs `epochs` epochs of `batches` batches through a logger, as fit() calls it. */
async function run(verbose: 0 | 1 | 2, isTTY: boolean, epochs = 3, batches = 5) {
  const out = fakeStream(isTTY);
  const list = new CallbackList([progress.progressLogger({ verbose, epochs, batchesPerEpoch: batches, stream: out.stream })]);
  await list.onTrainBegin();
  for (let e = 0; e < epochs; e++) {
    await list.onEpochBegin(e);
    for (let b = 0; b < batches; b++) {
      await list.onBatchBegin(b);
      await list.onBatchEnd(b, { loss: 1 / (b + 1), accuracy: b / batches });
    }
    const logs: Logs = { loss: 0.123456, accuracy: 0.96123, val_loss: 0.00001234, val_accuracy: 1 };
    await list.onEpochEnd(e, logs);
  }
  await list.onTrainEnd();
  return out;
}

const LINE = /^Epoch (\d+)\/3 - \d+\.\ds - loss: 0\.1235 - accuracy: 0\.9612 - val_loss: 1\.2340e-5 - val_accuracy: 1\.0000$/;

describe('progressLogger', () => {
  it('verbose 2 prints exactly one line per epoch, even on a terminal', async () => {
    const out = await run(2, true);
    const lines = out.text().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => {
      expect(line).toMatch(LINE);
      expect(line.startsWith(`Epoch ${i + 1}/3 `)).toBe(true);
    });
    expect(out.chunks).toHaveLength(3);
  });

  it('verbose 1 without a terminal prints one line per epoch and no bar', async () => {
    const out = await run(1, false);
    const lines = out.text().split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => l.replace(/ - \d+\.\ds - /, ' - Xs - '))).toEqual([1, 2, 3].map((e) => `Epoch ${e}/3 - Xs - loss: 0.1235 - accuracy: 0.9612 - val_loss: 1.2340e-5 - val_accuracy: 1.0000`));
    expect(out.text()).not.toContain('\x1b');
  });

  it('verbose 0 prints nothing', async () => {
    expect((await run(0, true)).chunks).toEqual([]);
    expect((await run(0, false)).chunks).toEqual([]);
  });

  it('verbose 1 on a terminal draws a bar with epoch, batches, ETA and running metrics, then the epoch line', async () => {
    const out = await run(1, true, 2, 5);
    const text = out.text();
    expect(text).toMatch(/Epoch 1\/2 \[[=-]{30}\] 0\/5 - ETA: /);
    expect(text).toMatch(/Epoch 2\/2 \[={30}\] 5\/5 - ETA: \S+ - loss: 0\.2000 - accuracy: 0\.8000/);
    // Each epoch's bar is cleared and replaced by its summary line.
    const plain = text.replace(/\x1b\[?[0-9;?]*[A-Za-z78]/g, '');
    expect(plain.match(/Epoch \d\/2 - \d+\.\ds - loss: 0\.1235 - accuracy: 0\.9612 - val_loss: 1\.2340e-5 - val_accuracy: 1\.0000\n/g)).toHaveLength(2);
  });

  it('does not keep Node alive when training ends mid-epoch without stopping the bar', () => {
    const script = `
      const { progressLogger } = require('./dist/training/progress.js');
      const log = progressLogger({ verbose: 1, epochs: 2, batchesPerEpoch: 10, stream: { isTTY: true, columns: 100, write: () => true } });
      log.onEpochBegin(0);
      log.onBatchEnd(0, { loss: 1 });
      setTimeout(() => log.onBatchEnd(1, { loss: 0.5 }), 300); // past the redraw timer's first tick
    `;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 10_000 });
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });

  it('rejects bad options with InvalidArgumentError', () => {
    const s = fakeStream(false).stream;
    const cases: [unknown, RegExp][] = [
      [{ verbose: 3, epochs: 1, batchesPerEpoch: 1, stream: s }, /verbose to be 0, 1 or 2, got 3/],
      [{ verbose: 1, epochs: 0, batchesPerEpoch: 1, stream: s }, /epochs to be an integer >= 1, got 0/],
      [{ verbose: 1, epochs: 1, batchesPerEpoch: 2.5, stream: s }, /batchesPerEpoch to be an integer >= 1, got 2.5/],
      [{ verbose: 1, epochs: 1, batchesPerEpoch: 1, stream: {} }, /stream to have a write method/],
    ];
    for (const [opts, message] of cases) {
      const err = thrown(() => progress.progressLogger(opts as never));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toMatch(message);
    }
  });
});

describe('formatMetric', () => {
  it('uses 4 decimals, and exponent notation for tiny values', () => {
    expect(progress.formatMetric(0.123456)).toBe('0.1235');
    expect(progress.formatMetric(12345.6)).toBe('12345.6000');
    expect(progress.formatMetric(0)).toBe('0.0000');
    expect(progress.formatMetric(0.0123)).toBe('0.0123');
    expect(progress.formatMetric(0.000123456)).toBe('1.2346e-4');
    expect(progress.formatMetric(-2e-7)).toBe('-2.0000e-7');
    expect(progress.formatMetric(NaN)).toBe('NaN');
    expect(progress.formatMetric(Infinity)).toBe('Infinity');
  });

  it('formats logs in their own key order', () => {
    expect(progress.formatLogs({ loss: 1, accuracy: 0.5 })).toBe('loss: 1.0000 - accuracy: 0.5000');
    expect(progress.formatLogs({})).toBe('');
  });

  it('formats durations for the ETA', () => {
    expect([5, 59.4, 65, 3725, 'INF', 'NULL', -1].map(progress.formatDuration)).toEqual(['5s', '59s', '1m05s', '1h02m', '--', '--', '--']);
  });
});
