/**
 * One function per zerodl layer kind, turning the layer's description and weights (PyTorch's
 * local names, as `layer.getWeights()` gives them) into ONNX nodes. Each reads the value the
 * layer below produced and returns the value it produces; shapes keep the batch first and the
 * free sizes as named dims.
 *
 * The convolutional family (conv2d, conv1d, pools, flatten, reshape, batchNormalization) is
 * mapped in conv-layers.ts and registered below with the rest.
 *
 * Recurrent layers run time-major inside ONNX ([T, B, D], the default layout: onnxruntime's CPU
 * kernels do not implement `layout = 1`), with one Transpose in and one out.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { LayerConfig } from '../../layers/base.js';
import type { Tensor } from '../../tensor.js';
import { CONV_LAYER_EXPORTERS } from './conv-layers.js';
import { FloatAttr, GraphBuilder, type Value } from './graph.js';
import { DataType } from './schema.js';

/** What every layer function gets besides its own description and weights. */
export interface LayerContext {
  graph: GraphBuilder;
  /** The graph input of sequence lengths (int32 [batch]), or undefined when not exported. */
  sequenceLens: string | undefined;
  /** Names the layer in errors: `model.toOnnx(): layer 2 (lstm_2)`. */
  where: string;
  /** Values made once for the whole graph and shared by the layers (the padding mask). */
  shared: Map<string, string>;
}

export type LayerExporter = (ctx: LayerContext, x: Value, config: LayerConfig, weights: Record<string, Tensor>) => Value;

/** A weight by its local name, or an error naming the layer (a model from another version?). */
function weight(ctx: LayerContext, weights: Record<string, Tensor>, name: string): { data: Float32Array; shape: readonly number[] } {
  const t = weights[name];
  if (!t) throw new InvalidArgumentError(`${ctx.where}: has no parameter ${JSON.stringify(name)} (it has ${Object.keys(weights).join(', ') || 'none'}), so it cannot be exported`);
  return { data: t.toFloat32Array(), shape: t.shape };
}

/** The [rows, cols] matrix transposed. */
function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

/** Blocks of `size` values of `data` in the order `order` (indices of the source blocks), e.g. gate blocks. */
function reorderBlocks(data: Float32Array, size: number, order: readonly number[]): Float32Array {
  const out = new Float32Array(order.length * size);
  order.forEach((from, to) => out.set(data.subarray(from * size, (from + 1) * size), to * size));
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const ACTIVATION_OPS: Record<string, string | null> = { linear: null, sigmoid: 'Sigmoid', tanh: 'Tanh', relu: 'Relu', softmax: 'Softmax' };

/** y = act(x W^T + b), on the last axis of an input of any rank (time-distributed on sequences). */
function dense(ctx: LayerContext, x: Value, config: LayerConfig, weights: Record<string, Tensor>): Value {
  const { graph } = ctx;
  const name = config.name as string;
  const units = config.units as number;
  const activation = config.activation as string;
  if (!Object.hasOwn(ACTIVATION_OPS, activation)) throw new InvalidArgumentError(`${ctx.where}: activation ${JSON.stringify(activation)} has no ONNX mapping here`);
  const w = weight(ctx, weights, 'weight');
  const inputs = w.shape[1] as number;
  const b = config.useBias ? weight(ctx, weights, 'bias') : undefined;
  let y: string;
  if (x.shape.length === 2) {
    // Gemm reads W as PyTorch stores it, (units, inputs), with transB.
    const wName = graph.initializer(`${name}.weight`, DataType.FLOAT, [units, inputs], w.data);
    const bName = b ? graph.initializer(`${name}.bias`, DataType.FLOAT, [units], b.data) : '';
    y = graph.op('Gemm', [x.name, wName, bName], `${name}/gemm`, { transB: 1 }, `${name}/Gemm`);
  } else {
    // MatMul broadcasts over the leading axes; it wants W^T, (inputs, units).
    const wName = graph.initializer(`${name}.weight_t`, DataType.FLOAT, [inputs, units], transposed(w.data, units, inputs));
    y = graph.op('MatMul', [x.name, wName], `${name}/matmul`, {}, `${name}/MatMul`);
    if (b) y = graph.op('Add', [y, graph.initializer(`${name}.bias`, DataType.FLOAT, [units], b.data)], `${name}/add`, {}, `${name}/Add`);
  }
  const op = ACTIVATION_OPS[activation];
  // Softmax over the last axis, as zerodl's (opset >= 13 normalises along `axis` only).
  if (op) y = graph.op(op, [y], `${name}/${activation}`, op === 'Softmax' ? { axis: -1 } : {}, `${name}/${op}`);
  return { name: y, shape: [...x.shape.slice(0, -1), units] };
}

/** Inverted dropout is the identity at inference: no node. */
function dropout(_ctx: LayerContext, x: Value): Value {
  return x;
}

/** zerodl reads ids as float numbers: Cast them to int64, then Gather rows of the table. */
function embedding(ctx: LayerContext, x: Value, config: LayerConfig, weights: Record<string, Tensor>): Value {
  const { graph } = ctx;
  const name = config.name as string;
  const [vocab, dim] = [config.inputDim as number, config.outputDim as number];
  const table = graph.initializer(`${name}.weight`, DataType.FLOAT, [vocab, dim], weight(ctx, weights, 'weight').data);
  const ids = graph.op('Cast', [x.name], `${name}/ids`, { to: DataType.INT64 }, `${name}/Cast`);
  const y = graph.op('Gather', [table, ids], `${name}/gather`, { axis: 0 }, `${name}/Gather`);
  return { name: y, shape: [...x.shape, dim] };
}

/**
 * Gate blocks of ONNX's order, as indices of zerodl's (PyTorch's) blocks:
 * LSTM: zerodl i, f, g, o -> ONNX i, o, f, c (c is PyTorch's g);
 * GRU: zerodl r, z, n -> ONNX z, r, h.
 */
const GATE_ORDER = { simpleRNN: [0], lstm: [0, 3, 1, 2], gru: [1, 0, 2] } as const;
/** LSTM peepholes: zerodl [3, H] in i, f, o -> ONNX P in i, o, f. */
const PEEPHOLE_ORDER = [0, 2, 1] as const;
const OP_TYPES = { simpleRNN: 'RNN', lstm: 'LSTM', gru: 'GRU' } as const;

type CellKind = keyof typeof OP_TYPES;

/**
 * A stack of recurrent layers (numLayers), each one ONNX node over both directions when
 * bidirectional. Dropout between stacked layers is training-only: nothing at inference.
 */
function recurrent(ctx: LayerContext, x: Value, config: LayerConfig, weights: Record<string, Tensor>): Value {
  const { graph } = ctx;
  const kind = config.kind as CellKind;
  const name = config.name as string;
  if (config.stateful) {
    throw new InvalidArgumentError(`${ctx.where}: a stateful layer carries its state from one batch to the next, which an ONNX graph (zero initial states on every run) cannot do; export a non-stateful copy of the model (Sequential.fromConfig with stateful: false, then setWeights)`);
  }
  if (x.shape.length !== 3) throw new InvalidArgumentError(`${ctx.where}: expects sequences [batch, timesteps, features], got values of rank ${x.shape.length}`);
  const hidden = config.units as number;
  const layers = config.numLayers as number;
  const bidirectional = config.bidirectional as boolean;
  const directions = bidirectional ? 2 : 1;
  const suffixes = bidirectional ? ['', '_reverse'] : [''];
  const order = GATE_ORDER[kind];
  const gates = order.length;
  const opType = OP_TYPES[kind];
  const [batch, steps] = [x.shape[0] as string | number, x.shape[1] as string | number];

  // [B, T, D] -> [T, B, D]: ONNX's recurrent ops run time-major.
  let input = graph.op('Transpose', [x.name], `${name}/time_major`, { perm: [1, 0, 2] }, `${name}/Transpose_in`);
  let features = x.shape[2] as number;
  let y = '';
  let yh = '';
  for (let l = 0; l < layers; l++) {
    const last = l === layers - 1;
    const per = suffixes.map((s) => {
      const get = (base: string) => weight(ctx, weights, `${base}_l${l}${s}`).data;
      return {
        w: reorderBlocks(get('weight_ih'), hidden * features, order),
        r: reorderBlocks(get('weight_hh'), hidden * hidden, order),
        // ONNX's B is [Wb, Rb]: the input-side biases, then the hidden-side ones.
        b: concat([reorderBlocks(get('bias_ih'), hidden, order), reorderBlocks(get('bias_hh'), hidden, order)]),
        p: kind === 'lstm' && config.peephole ? reorderBlocks(get('peephole'), hidden, PEEPHOLE_ORDER) : undefined,
      };
    });
    const tag = `${name}.l${l}`;
    const W = graph.initializer(`${tag}.W`, DataType.FLOAT, [directions, gates * hidden, features], concat(per.map((p) => p.w)));
    const R = graph.initializer(`${tag}.R`, DataType.FLOAT, [directions, gates * hidden, hidden], concat(per.map((p) => p.r)));
    const B = graph.initializer(`${tag}.B`, DataType.FLOAT, [directions, 2 * gates * hidden], concat(per.map((p) => p.b)));
    const inputs = [input, W, R, B, ctx.sequenceLens ?? '', '' /* initial_h: zeros */];
    if (kind === 'lstm') {
      const peepholes = per.map((p) => p.p).filter((p): p is Float32Array => p !== undefined);
      inputs.push('' /* initial_c: zeros */, peepholes.length > 0 ? graph.initializer(`${tag}.P`, DataType.FLOAT, [directions, 3 * hidden], concat(peepholes)) : '');
    }
    const attrs: Record<string, string | number | string[] | FloatAttr> = { hidden_size: hidden, direction: bidirectional ? 'bidirectional' : 'forward' };
    if (kind === 'simpleRNN') attrs.activations = Array<string>(directions).fill(config.activation === 'relu' ? 'Relu' : 'Tanh');
    // PyTorch's GRU applies the reset gate after the hidden product (with its bias): ONNX's
    // linear_before_reset = 1.
    if (kind === 'gru') attrs.linear_before_reset = 1;
    // Every layer but the top one feeds the next with all its steps (Y); the top one gives Y
    // for returnSequences, else its final state (Y_h: at each sequence's last valid step, and
    // for the backward direction after reading the whole valid part).
    const wantSequence = !last || (config.returnSequences as boolean);
    [y, yh] = graph.node(opType, inputs, [wantSequence ? `${tag}/Y` : null, wantSequence ? null : `${tag}/Y_h`], attrs, `${name}/${opType}_l${l}`) as [string, string];
    if (!last) {
      // Y [T, dirs, B, H] -> [T, B, dirs * H]: the directions side by side (forward first), as
      // zerodl concatenates them, for the next layer.
      const tbdh = graph.op('Transpose', [y], `${tag}/Y_tbdh`, { perm: [0, 2, 1, 3] }, `${tag}/Transpose`);
      input = graph.op('Reshape', [tbdh, graph.int64s([0, 0, -1])], `${tag}/out`, {}, `${tag}/Reshape`);
      features = directions * hidden;
    }
  }
  if (config.returnSequences) {
    // Y [T, dirs, B, H] -> [B, T, dirs, H] -> [B, T, dirs * H].
    const bt = graph.op('Transpose', [y], `${name}/batch_major`, { perm: [2, 0, 1, 3] }, `${name}/Transpose_out`);
    const out = graph.op('Reshape', [bt, graph.int64s([0, 0, -1])], `${name}/sequences`, {}, `${name}/Reshape_out`);
    if (!ctx.sequenceLens) return { name: out, shape: [batch, steps, directions * hidden] };
    // zerodl's outputs are zero past each sequence's length. onnxruntime's Y is too, but the
    // spec leaves Y there undefined: a mask makes it so on every runtime.
    const masked = graph.op('Mul', [out, paddingMask(ctx, x.name)], `${name}/sequences_masked`, {}, `${name}/Mul_mask`);
    return { name: masked, shape: [batch, steps, directions * hidden] };
  }
  // Y_h [dirs, B, H] -> [B, dirs, H] -> [B, dirs * H].
  const bdh = graph.op('Transpose', [yh], `${name}/state_bdh`, { perm: [1, 0, 2] }, `${name}/Transpose_out`);
  const out = graph.op('Reshape', [bdh, graph.int64s([0, -1])], `${name}/state`, {}, `${name}/Reshape_out`);
  return { name: out, shape: [batch, directions * hidden] };
}

/**
 * 1 at the valid steps of each sequence, 0 past its length: float [B, T, 1], T read from `x`
 * ([B, T, D]) at run time (it may be a free dim). Made once: every layer of the model keeps the
 * timesteps axis.
 */
function paddingMask(ctx: LayerContext, x: string): string {
  const { graph } = ctx;
  const made = ctx.shared.get('padding_mask');
  if (made !== undefined) return made;
  const name = 'padding_mask';
  const steps = graph.op('Shape', [x], `${name}/steps_1d`, { start: 1, end: 2 }, `${name}/Shape_steps`);
  const limit = graph.op('Squeeze', [steps, graph.int64s([0])], `${name}/steps`, {}, `${name}/Squeeze_steps`);
  const t = graph.op('Range', [graph.int64Scalar(0), limit, graph.int64Scalar(1)], `${name}/t`, {}, `${name}/Range_t`);
  const lens = graph.op('Cast', [ctx.sequenceLens as string], `${name}/lens_i64`, { to: DataType.INT64 }, `${name}/Cast_lens`);
  const column = graph.op('Unsqueeze', [lens, graph.int64s([1])], `${name}/lens_column`, {}, `${name}/Unsqueeze_lens`);
  // [T] < [B, 1] -> [B, T]
  const valid = graph.op('Less', [t, column], `${name}/valid`, {}, `${name}/Less_valid`);
  const mask = graph.op('Cast', [valid], `${name}/mask_bt`, { to: DataType.FLOAT }, `${name}/Cast_mask`);
  const out = graph.op('Unsqueeze', [mask, graph.int64s([2])], `${name}/mask`, {}, `${name}/Unsqueeze_mask`);
  ctx.shared.set('padding_mask', out);
  return out;
}

/**
 * Each kind's exporter and the options of its description it knows. An option not listed (one
 * added to zerodl after this mapping was written) stops the export rather than being ignored
 * and giving a graph that computes something else.
 */
export const LAYER_EXPORTERS: Record<string, { options: readonly string[]; exporter: LayerExporter }> = {
  dense: { options: ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer'], exporter: dense },
  dropout: { options: ['rate'], exporter: dropout },
  embedding: { options: ['inputDim', 'outputDim'], exporter: embedding },
  simpleRNN: { options: ['units', 'returnSequences', 'numLayers', 'bidirectional', 'dropout', 'stateful', 'truncateBptt', 'activation'], exporter: recurrent },
  lstm: { options: ['units', 'returnSequences', 'numLayers', 'bidirectional', 'dropout', 'stateful', 'truncateBptt', 'forgetBias', 'peephole'], exporter: recurrent },
  gru: { options: ['units', 'returnSequences', 'numLayers', 'bidirectional', 'dropout', 'stateful', 'truncateBptt'], exporter: recurrent },
  // conv2d, conv1d, the pools, flatten, reshape, batchNormalization (conv-layers.ts).
  ...CONV_LAYER_EXPORTERS,
};

/** Whether a layer kind reads sequence lengths. */
export function isRecurrentKind(kind: string): boolean {
  return Object.hasOwn(OP_TYPES, kind);
}
