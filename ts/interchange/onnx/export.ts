/**
 * ONNX export of a Sequential model: its description (`model.toJSON()`) and each layer's
 * weights (`layer.getWeights()`) become a ModelProto (opset 17) with one input "input"
 * ([batch, ...inputShape], float) and one output "output"; the batch and any free size of the
 * input shape are dynamic dims. With `sequenceLengths: true` a second input "sequence_lens"
 * (int32 [batch]) feeds every recurrent node, as `lengths` does in `model.predict()`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import { checkPath, writeFileAtomic } from '../../io/atomic-write.js';
import type { LayerConfig } from '../../layers/base.js';
import type { Sequential } from '../../models/sequential.js';
import { describe } from '../../util/describe.js';
import { checkOptions } from '../../util/options.js';
import { GraphBuilder, type Value } from './graph.js';
import { LAYER_EXPORTERS, isRecurrentKind } from './layers.js';
import { DataType, encodeModel, type Dim } from './schema.js';

/** Options of `model.toOnnx()` and `model.exportOnnx()`. */
export interface OnnxExportOptions {
  /**
   * Add a second graph input "sequence_lens" (int32 [batch]: each sequence's valid steps) fed to
   * every recurrent layer, for padded batches: the graph then computes what
   * `model.predict(x, { lengths })` does. Needs a recurrent layer. Default false.
   */
  sequenceLengths?: boolean;
}

/** The opset the graph is written for, and the IR version that goes with it. */
export const ONNX_OPSET = 17;
const IR_VERSION = 8;

const OPTION_KEYS = ['sequenceLengths'];

function readOptions(where: string, options: OnnxExportOptions | undefined): Required<OnnxExportOptions> {
  const { sequenceLengths = false } = checkOptions(where, options, OPTION_KEYS);
  if (typeof sequenceLengths !== 'boolean') throw new InvalidArgumentError(`${where} expects sequenceLengths to be a boolean, got ${describe(sequenceLengths)}`);
  return { sequenceLengths };
}

let producerVersion: string | undefined;

/** zerodl's version, from its package.json (best effort: '' if it cannot be read). */
function version(): string {
  if (producerVersion === undefined) {
    try {
      producerVersion = String((JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version?: unknown }).version ?? '');
    } catch {
      producerVersion = '';
    }
  }
  return producerVersion;
}

/**
 * The free sizes of the input shape as named dims: "timesteps" for the first axis of sequences
 * (ids for an embedding, [T, features] for the rest), others by axis.
 */
function inputDims(inputShape: (number | null)[], firstKind: string): Dim[] {
  const sequences = firstKind === 'embedding' || inputShape.length >= 2;
  return ['batch', ...inputShape.map((d, i) => d ?? (sequences && i === 0 ? 'timesteps' : `dim_${i + 1}`))];
}

/** The model as ONNX ModelProto bytes. `where` names the call in errors. */
export function modelToOnnx(model: Sequential, options: OnnxExportOptions | undefined, where: string): Uint8Array {
  const { sequenceLengths } = readOptions(where, options);
  const description = model.toJSON();
  const configs = description.layers;
  if (sequenceLengths && !configs.some((c) => isRecurrentKind(c.kind))) {
    throw new InvalidArgumentError(`${where}: sequenceLengths needs a recurrent layer (simpleRNN, lstm or gru), and this model has none`);
  }
  const graph = new GraphBuilder('zerodl_sequential');
  const dims = inputDims(description.inputShape, configs[0]?.kind ?? '');
  let x: Value = { name: graph.input('input', DataType.FLOAT, dims), shape: dims };
  const sequenceLens = sequenceLengths ? graph.input('sequence_lens', DataType.INT32, ['batch']) : undefined;
  const shared = new Map<string, string>();
  configs.forEach((config: LayerConfig, i) => {
    const layerWhere = `${where}: layer ${i} (${config.name ?? config.kind})`;
    const mapping = Object.hasOwn(LAYER_EXPORTERS, config.kind) ? LAYER_EXPORTERS[config.kind] : undefined;
    if (!mapping) {
      throw new InvalidArgumentError(`${layerWhere}: a ${config.kind} layer has no ONNX mapping (the export supports ${Object.keys(LAYER_EXPORTERS).join(', ')})`);
    }
    const unknown = Object.keys(config).filter((k) => k !== 'kind' && k !== 'name' && !mapping.options.includes(k));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(`${layerWhere}: option ${unknown.map((k) => JSON.stringify(k)).join(', ')} of a ${config.kind} layer is not known to the ONNX export, which cannot tell whether the graph would compute the same`);
    }
    const layer = model.layers[i];
    if (!layer) throw new InvalidArgumentError(`${layerWhere}: the model has no such layer object`);
    x = mapping.exporter({ graph, sequenceLens, where: layerWhere, shared }, x, config, layer.getWeights());
  });
  graph.output(x, 'output');
  return encodeModel({
    ir_version: IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'zerodl',
    producer_version: version(),
    graph: graph.build(`zerodl Sequential model: ${configs.map((c) => c.name ?? c.kind).join(', ')}`),
  });
}

/** Writes the model's ONNX bytes to `file` atomically. */
export async function exportModelOnnx(model: Sequential, file: string, options: OnnxExportOptions | undefined, where: string): Promise<void> {
  checkPath(where, file);
  const bytes = modelToOnnx(model, options, where);
  await writeFileAtomic(where, file, bytes);
}
