/**
 * The generated napi-rs binding (loader `binding.js` + types `binding.d.ts` at the package root,
 * written by `napi build`). Internal: the public API is the facade in this folder, which adds
 * typed errors, defaults and docs.
 *
 * A failed load (no binary for this platform, or a missing or broken one) is an
 * UnsupportedPlatformError (ERR_UNSUPPORTED_PLATFORM) naming the platform and what to do, with
 * the loader's error as its cause; see util/platform.ts.
 * @internal
 */
import { join } from 'node:path';
import type * as Binding from '../binding.js';

function load(): typeof Binding {
  try {
    return require('../binding.js') as typeof Binding;
  } catch (err) {
    // Loaded only on failure, so the normal load does no more than before.
    const { nativeLoadError } = require('./util/platform.js') as typeof import('./util/platform.js');
    // dist/native.js (and ts/native.ts) sit one level below the package root.
    throw nativeLoadError(err, join(__dirname, '..', 'package.json'));
  }
}

export const native = load();
export type NativeTensor = Binding.NativeTensor;
export type NativeModel = Binding.NativeModel;
export type StateDictReport = Binding.StateDictReport;
