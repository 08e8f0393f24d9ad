/**
 * Dynamic batching for `model.predictAsync()`: concurrent calls on one model are gathered into
 * one native batch while the model's worker is busy, as serving systems (TF Serving, Triton) do.
 *
 * - Idle model: a call goes straight out (after `maxWaitMs`, if set, to gather more).
 * - Busy model (one native call in flight): calls queue. When the batch in flight finishes, the
 *   oldest queued call and the queued calls with the same per-sample shape (in arrival order, as
 *   long as the rows fit in `maxBatchSize`) are concatenated along the first axis and sent as one
 *   native call; each caller gets its own rows back as its own Tensor. The oldest call always
 *   leads the next batch, so requests of different shapes take turns (FIFO-fair).
 * - Calls with `lengths` join calls without (those run at full length: for every recurrent kernel
 *   a full `lengths` is the same computation as none, bit for bit).
 * - A call goes alone (it would fail or mean something else in company) when its input does not
 *   match the model's input shape, has no rows, has more rows than `maxBatchSize`, has `lengths`
 *   the model does not take or that exceed its steps, or when the model has stateful recurrent
 *   layers (their state carries from call to call) or layers started from a state given with
 *   `setState()` (sized for one call), or `maxBatchSize` is 1. Such a call then gets
 *   exactly the result or error it would get unbatched.
 * - If a joined batch fails anyway (e.g. a bad id in an embedding's input), each of its calls is
 *   run again alone, so each caller gets its own result or error.
 *
 * Results equal `model.predict()` on the batch that was formed, bit for bit. They can differ from
 * running each call alone in the last bits: the kernels choose their algorithm by batch size
 * (GEMM blocking; the recurrent layers' serving path for one sequence, matrix-vector products
 * for up to three, packed weights from four), and float sums in another order round differently.
 * (Measured on dense and LSTM models: a row's result depended on the batch's size only, not on
 * the other rows or its place among them.) With `maxBatchSize: 1` every call is its own native
 * batch, as without batching.
 */
import { callNative, InvalidArgumentError } from '../errors.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { describe } from '../util/describe.js';
import { checkOptions, countOption } from '../util/options.js';

/** How `predictAsync` gathers concurrent calls (`model.setBatching()`). */
export interface BatchingOptions {
  /**
   * Most rows (samples) in one native batch. Default 64. 1: one call at a time, never gathered.
   * A call with more rows than this still runs, alone.
   */
  maxBatchSize?: number;
  /**
   * Milliseconds an idle model holds a call to gather more before sending the batch (sent
   * earlier once `maxBatchSize` rows are waiting). Default 0: the first call goes straight out,
   * and batches form only from calls that arrive while one is in flight.
   */
  maxWaitMs?: number;
}

/** @internal One native call's batch, for tests and diagnostics. */
export interface BatchRecord {
  /** Rows (samples) in the call. */
  rows: number;
  /** The calls it answered, by their submission number (0 for the model's first predictAsync). */
  requests: number[];
}

/** @internal Counters of a model's batcher (`model.batchingStats`). */
export interface BatchingStats {
  /** predictAsync calls handed to the batcher. */
  submitted: number;
  /** Native predict calls made (retries included). */
  nativeCalls: number;
  /** Calls answered from a joined batch of two or more. */
  joined: number;
  /** Calls run again alone after their joined batch failed. */
  retried: number;
  /** The most rows and calls in one native call so far. */
  maxRows: number;
  maxRequests: number;
  /** The last native calls (up to 1000), oldest first. */
  recent: BatchRecord[];
}

const RECENT = 1000;
/** setTimeout's largest delay (a larger one fires at once). */
const MAX_WAIT_MS = 2 ** 31 - 1;

/** @internal What a batcher needs from its model. */
export interface BatchTarget {
  /** One native predict call, off the JS thread. */
  predict(x: Tensor, lengths: Tensor | undefined): Promise<Tensor>;
  /** The model's per-sample input shape (null: any size). */
  inputShape: readonly (number | null)[];
  /** Whether the model reads `lengths` (it has a recurrent layer). */
  readsLengths: boolean;
  /** Whether calls must run one at a time (stateful recurrent layers), asked per batch. */
  oneAtATime(): boolean;
}

interface Request {
  id: number;
  input: Tensor;
  lengths: Tensor | undefined;
  /** Tensors the batcher made (a copy of the caller's handle, converted data), freed when done. */
  own: Tensor[];
  rows: number;
  /** Per-sample shape as text; undefined: the call must go alone. */
  key: string | undefined;
  /** Run alone (a retry after its joined batch failed). */
  solo: boolean;
  resolve(t: Tensor): void;
  reject(e: unknown): void;
}

/** @internal The batching of one model's predictAsync calls. */
export class Batcher {
  readonly #target: BatchTarget;
  #maxBatchSize = 64;
  #maxWaitMs = 0;
  readonly #queue: Request[] = [];
  #inFlight = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #stats: BatchingStats = { submitted: 0, nativeCalls: 0, joined: 0, retried: 0, maxRows: 0, maxRequests: 0, recent: [] };

  constructor(target: BatchTarget) {
    this.#target = target;
  }

  /** Changes the given settings (the others keep theirs); validated strictly. */
  configure(where: string, options: BatchingOptions): void {
    if (options === undefined || options === null) throw new InvalidArgumentError(`${where} expects an options object such as { maxBatchSize: 32, maxWaitMs: 2 }, got ${describe(options)}`);
    const { maxBatchSize, maxWaitMs } = checkOptions(where, options, ['maxBatchSize', 'maxWaitMs']);
    const size = maxBatchSize === undefined ? this.#maxBatchSize : countOption(where, 'maxBatchSize', maxBatchSize, 1);
    if (maxWaitMs !== undefined && (typeof maxWaitMs !== 'number' || !Number.isFinite(maxWaitMs) || maxWaitMs < 0 || maxWaitMs > MAX_WAIT_MS)) {
      throw new InvalidArgumentError(`${where} expects maxWaitMs to be a number of milliseconds from 0 to ${MAX_WAIT_MS}, got ${describe(maxWaitMs)}`);
    }
    this.#maxBatchSize = size;
    this.#maxWaitMs = maxWaitMs ?? this.#maxWaitMs;
  }

  get options(): Required<BatchingOptions> {
    return { maxBatchSize: this.#maxBatchSize, maxWaitMs: this.#maxWaitMs };
  }

  get stats(): BatchingStats {
    return { ...this.#stats, recent: this.#stats.recent.map((r) => ({ rows: r.rows, requests: [...r.requests] })) };
  }

  /**
   * Predicts `input` (already a checked tensor; `lengths` already checked against its rows).
   * `owned`: the batcher made `input` (converted from the caller's data) and may free it.
   */
  submit(input: Tensor, lengths: Tensor | undefined, owned: boolean): Promise<Tensor> {
    return new Promise<Tensor>((resolve, reject) => {
      const own = lengths ? [lengths] : [];
      if (owned) own.push(input);
      const request: Request = { id: this.#stats.submitted++, input, lengths, own, rows: input.shape[0] ?? 0, key: this.#key(input, lengths), solo: false, resolve, reject };
      const straightOut = !this.#inFlight && this.#timer === undefined && this.#queue.length === 0 && !(this.#maxWaitMs > 0 && this.#gathers(request));
      if (!straightOut) {
        // It waits: hold a copy of the values, so that the caller may dispose its tensor once
        // predictAsync has been called, as without batching. A values-backed tensor: joining a
        // batch reads the values with no native call, and only a call that runs alone makes a
        // native handle.
        request.input = new Tensor({ shape: [...input.shape], values: input.toFloat32Array() });
        own.push(request.input);
      }
      this.#queue.push(request);
      this.#pump(true);
    });
  }

  /** The per-sample shape of a call that may join others, or undefined if it must go alone. */
  #key(input: Tensor, lengths: Tensor | undefined): string | undefined {
    const shape = input.shape;
    const model = this.#target.inputShape;
    if (shape.length !== model.length + 1 || shape.some((d) => d < 1)) return undefined;
    if (model.some((d, i) => d !== null && d !== shape[i + 1])) return undefined;
    if (lengths) {
      const steps = shape[1];
      if (!this.#target.readsLengths || steps === undefined) return undefined;
      // Checked values: whole numbers >= 1, one per row (lengthsTensor); here, against the steps.
      if (lengths.toFloat32Array().some((l) => l > steps)) return undefined;
    }
    return shape.slice(1).join(',');
  }

  /** Whether this call could be gathered with others under the current settings. */
  #gathers(r: Request): boolean {
    return r.key !== undefined && !r.solo && this.#maxBatchSize > 1 && r.rows < this.#maxBatchSize && !this.#target.oneAtATime();
  }

  /** Sends the next batch if the model is free. `arrived`: a call was just submitted. */
  #pump(arrived: boolean): void {
    if (this.#inFlight) return;
    const head = this.#queue[0];
    if (head === undefined) return;
    if (this.#timer !== undefined) {
      // Gathering for the head: send as soon as a full batch is waiting.
      if (this.#waitingRows(head) < this.#maxBatchSize) return;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    } else if (arrived && this.#maxWaitMs > 0 && this.#gathers(head) && this.#waitingRows(head) < this.#maxBatchSize) {
      // An idle model's first call: hold it maxWaitMs to gather more.
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#pump(false);
      }, this.#maxWaitMs);
      return;
    }
    void this.#run(this.#take());
  }

  /** Rows queued that could join the head's batch. */
  #waitingRows(head: Request): number {
    let rows = 0;
    for (const r of this.#queue) if (r.key === head.key && this.#gathers(r)) rows += r.rows;
    return rows;
  }

  /** Takes the next batch off the queue: the oldest call, and the calls that may join it. */
  #take(): Request[] {
    const head = this.#queue.shift() as Request;
    const batch = [head];
    if (!this.#gathers(head)) return batch;
    let rows = head.rows;
    for (let i = 0; i < this.#queue.length && rows < this.#maxBatchSize; ) {
      const r = this.#queue[i] as Request;
      if (r.key === head.key && this.#gathers(r) && rows + r.rows <= this.#maxBatchSize) {
        batch.push(r);
        rows += r.rows;
        this.#queue.splice(i, 1);
      } else {
        i++;
      }
    }
    return batch;
  }

  async #run(batch: Request[]): Promise<void> {
    this.#inFlight = true;
    try {
      if (batch.length === 1) {
        const r = batch[0] as Request;
        try {
          r.resolve(await this.#call([r], r.input, r.lengths));
        } catch (err) {
          r.reject(err);
        }
        this.#done(r);
        return;
      }
      let outputs: Tensor[] | undefined;
      try {
        outputs = await this.#joined(batch);
      } catch {
        // Run each call alone, first in line: each caller gets its own result or error.
        this.#stats.retried += batch.length;
        this.#queue.unshift(...batch.map((r) => ({ ...r, solo: true })));
        return;
      }
      this.#stats.joined += batch.length;
      batch.forEach((r, i) => {
        r.resolve(outputs[i] as Tensor);
        this.#done(r);
      });
    } finally {
      this.#inFlight = false;
      this.#pump(false);
    }
  }

  /** One native call for `batch`, counted. */
  async #call(batch: Request[], x: Tensor, lengths: Tensor | undefined): Promise<Tensor> {
    const rows = batch.reduce((s, r) => s + r.rows, 0);
    const s = this.#stats;
    s.nativeCalls++;
    s.maxRows = Math.max(s.maxRows, rows);
    s.maxRequests = Math.max(s.maxRequests, batch.length);
    s.recent.push({ rows, requests: batch.map((r) => r.id) });
    if (s.recent.length > RECENT) s.recent.splice(0, s.recent.length - RECENT);
    return this.#target.predict(x, lengths);
  }

  /** The calls' inputs concatenated along the first axis, predicted, and split back per call. */
  async #joined(batch: Request[]): Promise<Tensor[]> {
    const sampleShape = (batch[0] as Request).input.shape.slice(1);
    const perRow = sampleShape.reduce((a, b) => a * b, 1);
    const rows = batch.reduce((s, r) => s + r.rows, 0);
    const data = new Float32Array(rows * perRow);
    const withLengths = batch.some((r) => r.lengths);
    const lengths = withLengths ? new Float32Array(rows) : undefined;
    let at = 0;
    for (const r of batch) {
      data.set(r.input.toFloat32Array(), at * perRow);
      // A call without lengths runs at full length (the steps, axis 1).
      if (lengths) lengths.set(r.lengths ? r.lengths.toFloat32Array() : new Float32Array(r.rows).fill(sampleShape[0] as number), at);
      at += r.rows;
    }
    const x = new Tensor(callNative(() => native.NativeTensor.fromData(data, [rows, ...sampleShape])));
    const lt = lengths && new Tensor(callNative(() => native.NativeTensor.fromData(lengths, [rows])));
    let out: Tensor | undefined;
    try {
      out = await this.#call(batch, x, lt);
      const outShape = out.shape;
      if (outShape[0] !== rows) throw new Error(`a batch of ${rows} rows gave ${outShape[0]}`);
      const rest = outShape.slice(1);
      const perOut = rest.reduce((a, b) => a * b, 1);
      const values = out.toFloat32Array();
      let from = 0;
      // Each caller's rows as a tensor over a view of the values (no copy, no native handle
      // until a native call needs one).
      return batch.map((r) => {
        const part = values.subarray(from * perOut, (from + r.rows) * perOut);
        from += r.rows;
        return new Tensor({ shape: [r.rows, ...rest], values: part });
      });
    } finally {
      x.dispose();
      lt?.dispose();
      out?.dispose();
    }
  }

  /** Frees what the batcher made for a call that has its answer. */
  #done(r: Request): void {
    for (const t of r.own) t.dispose();
  }
}
