/**
 * Progress output for `fit`: a live bar in a terminal (cli-progress), one line per epoch
 * otherwise (logs, CI), nothing with verbose 0.
 */
import type { Callback, Logs } from './callbacks.js';

export interface ProgressArgs {
  verbose: 0 | 1 | 2;
  epochs: number;
  batchesPerEpoch: number;
  /** Where to write. Default process.stdout. */
  stream?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
}

/** 4 significant decimals, exponent notation for tiny values. */
export function formatMetric(v: number): string {
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toFixed(4);
}

export function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k}: ${formatMetric(v)}`)
    .join(' - ');
}

export function progressLogger(args: ProgressArgs): Callback {
  const stream = args.stream ?? process.stdout;
  if (args.verbose === 0) return {};
  const live = args.verbose === 1 && stream.isTTY === true;
  let started = 0;
  let lastDraw = 0;
  const width = String(args.epochs).length;
  const draw = (epoch: number, batch: number, logs: Logs) => {
    const done = batch + 1;
    const frac = done / args.batchesPerEpoch;
    const bar = '='.repeat(Math.round(frac * 30)).padEnd(30, '.');
    const elapsed = (Date.now() - started) / 1000;
    const eta = frac > 0 ? elapsed / frac - elapsed : 0;
    stream.write(`\rEpoch ${String(epoch + 1).padStart(width)}/${args.epochs} [${bar}] ${done}/${args.batchesPerEpoch} - ETA ${eta.toFixed(1)}s - ${formatLogs(logs)}\x1b[K`);
  };
  let epochNow = 0;
  return {
    onEpochBegin(epoch) {
      epochNow = epoch;
      started = Date.now();
    },
    onBatchEnd(batch, logs) {
      // Redraw at most ~10 times a second: terminals are slow, batches are fast.
      if (!live || (Date.now() - lastDraw < 100 && batch + 1 < args.batchesPerEpoch)) return;
      lastDraw = Date.now();
      draw(epochNow, batch, logs);
    },
    onEpochEnd(epoch, logs) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const line = `Epoch ${String(epoch + 1).padStart(width)}/${args.epochs} - ${seconds}s - ${formatLogs(logs)}`;
      stream.write(live ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}
