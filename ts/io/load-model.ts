/**
 * `loadModel()`: any model file zerodl writes, back as the model it was (a Sequential, compiled
 * if it was, or a Perceptron / LinearUnit). The whole file is checked first (see the core's
 * io/model_file.rs): a corrupt or foreign file is a `BadModelFileError` naming what is wrong.
 */
import { callNative } from '../errors.js';
import { LinearUnit, Perceptron } from '../models/perceptron.js';
import { Sequential } from '../models/sequential.js';
import { native } from '../native.js';
import { readSource } from './source.js';

/** A model read from a file or from its bytes. */
export type LoadedModel = Sequential | Perceptron | LinearUnit;

/**
 * Loads a model saved by `model.save(path)` (or `model.toBuffer()`): from a path, or from the
 * file's bytes (Buffer, Uint8Array or ArrayBuffer).
 *
 * ```ts
 * const model = await loadModel('mnist.safetensors');
 * if (!(model instanceof Sequential)) throw new Error('expected a Sequential model');
 * ```
 */
export async function loadModel(source: string | Uint8Array | ArrayBuffer): Promise<LoadedModel> {
  const where = 'loadModel()';
  const { bytes, name } = await readSource(where, source);
  const format = callNative(() => native.modelFileFormat(bytes, name), where);
  if (format === 'zerodl.unit') {
    const unit = callNative(() => native.NativePerceptron.fromFileBytes(bytes, name), where);
    return JSON.parse(unit.config()).kind === 'perceptron' ? Perceptron.fromNative(unit) : LinearUnit.fromNative(unit);
  }
  return Sequential.fromNative(callNative(() => native.NativeModel.fromFileBytes(bytes, name), where));
}
