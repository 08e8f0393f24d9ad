/**
 * The generated napi-rs binding (loader `binding.js` + types `binding.d.ts` at the package root,
 * written by `napi build`). Internal: the public API is the facade in this folder, which adds
 * typed errors, defaults and docs.
 * @internal
 */
import binding = require('../binding.js');

export const native = binding;
export type NativeTensor = binding.NativeTensor;
export type NativeModel = binding.NativeModel;
export type LayerSpec = binding.LayerSpec;
