/**
 * Progress output for `fit`: a live bar per epoch in a terminal (cli-progress), exactly one line
 * per epoch otherwise (log files, CI) or with verbose 2, nothing with verbose 0.
 */
import { SingleBar } from 'cli-progress';
import { InvalidArgumentError } from '../errors.js';
import type { Callback, Logs } from './callbacks.js';

/** Where progress goes: a Node stream, or anything with `write` (and `isTTY` for a live bar). */
export type ProgressStream = NodeJS.WriteStream | { write(text: string): unknown; isTTY?: boolean; columns?: number };

export interface ProgressArgs {
  /** 0 = silent, 1 = live bar in a terminal (one line per epoch otherwise), 2 = one line per epoch. Required. */
  verbose: 0 | 1 | 2;
  /** Epochs in the run, shown as `Epoch i/N`. Required. */
  epochs: number;
  /** Batches in each epoch: the bar's length. Required. */
  batchesPerEpoch: number;
  /** Where to write. Default process.stdout. */
  stream?: ProgressStream;
}

/** A metric as Keras prints it: 4 decimals, exponent notation for tiny values (0 stays 0.0000). */
export function formatMetric(v: number): string {
  return v === 0 || !(Math.abs(v) <= 1e-3) ? v.toFixed(4) : v.toExponential(4);
}

/** `loss: 0.1234 - accuracy: 0.9612`, in the logs' own key order. */
export function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k}: ${formatMetric(v)}`)
    .join(' - ');
}

/** `42s`, `3m05s`, `1h02m`; `--` while unknown. */
export function formatDuration(seconds: unknown): string {
  const s = Math.round(Number(seconds));
  if (!Number.isFinite(s) || s < 0) return '--';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * cli-progress redraws from a timer that is only cleared by `stop()`. If `fit` throws mid-epoch
 * (abort, non-finite loss) nobody calls `stop()`, and a ref'd timer would keep Node alive forever.
 */
class UnrefBar extends SingleBar {
  override render(): void {
    super.render();
    (this as unknown as { timer: NodeJS.Timeout | null }).timer?.unref();
  }
}

function check(ok: boolean, what: string, got: unknown): void {
  if (!ok) throw new InvalidArgumentError(`progressLogger() expects ${what}, got ${typeof got === 'object' ? typeof got : String(got)}`);
}

export function progressLogger(args: ProgressArgs): Callback {
  check(args !== null && typeof args === 'object', 'an options object', args);
  const { verbose, epochs, batchesPerEpoch } = args;
  check(verbose === 0 || verbose === 1 || verbose === 2, 'verbose to be 0, 1 or 2', verbose);
  check(Number.isInteger(epochs) && epochs >= 1, 'epochs to be an integer >= 1', epochs);
  check(Number.isInteger(batchesPerEpoch) && batchesPerEpoch >= 1, 'batchesPerEpoch to be an integer >= 1', batchesPerEpoch);
  const stream = args.stream ?? process.stdout;
  check(typeof stream?.write === 'function', 'stream to have a write method', stream);
  if (verbose === 0) return {};

  let started = performance.now();
  const epochLine = (epoch: number, logs: Logs) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const metrics = formatLogs(logs);
    return `Epoch ${epoch + 1}/${epochs} - ${seconds}s${metrics ? ` - ${metrics}` : ''}\n`;
  };
  if (verbose === 2 || stream.isTTY !== true) {
    return {
      onEpochBegin() {
        started = performance.now();
      },
      onEpochEnd(epoch, logs) {
        stream.write(epochLine(epoch, logs));
      },
    };
  }

  const bar = new UnrefBar({
    stream: stream as NodeJS.WritableStream,
    format: 'Epoch {epoch}/{epochs} [{bar}] {value}/{total} - ETA: {eta_formatted}{metrics}',
    formatTime: formatDuration,
    barsize: 30,
    etaBuffer: 50,
    clearOnComplete: true,
    hideCursor: false,
    linewrap: true, // trim to the terminal width rather than switch the terminal's wrapping off
    gracefulExit: false,
  });
  const stopBar = () => {
    if (bar.isActive) bar.stop();
  };
  return {
    onEpochBegin(epoch) {
      stopBar();
      started = performance.now();
      bar.start(batchesPerEpoch, 0, { epoch: epoch + 1, epochs, metrics: '' });
    },
    onBatchEnd(batch, logs) {
      const metrics = formatLogs(logs);
      bar.update(batch + 1, { metrics: metrics ? ` - ${metrics}` : '' });
    },
    onEpochEnd(epoch, logs) {
      stopBar();
      stream.write(epochLine(epoch, logs));
    },
    onTrainEnd() {
      stopBar();
    },
  };
}
