/**
 * The per-buffer memory limit. Every buffer whose size comes from the input (a tensor's data, an
 * op's result, a layer's weights, a training step's activations) is checked against it before
 * anything is allocated; one over it is an `OutOfMemoryError` (`ERR_OUT_OF_MEMORY`) naming
 * the bytes asked for, instead of an aborted process or the OOM killer ending a Node service.
 */
import { callNative, InvalidArgumentError } from './errors.js';
import { native } from './native.js';
import { describe } from './util/describe.js';

/**
 * Sets the largest buffer, in bytes, that one request may reserve (process-wide, taking effect
 * at once); `null` restores the default: `ZERODL_MAX_TENSOR_BYTES` if set at start-up, else half
 * of the memory the process may use (the machine's RAM, or its cgroup's limit when lower).
 *
 * @example setMaxTensorBytes(2 ** 30) // at most 1 GiB per tensor
 * @throws {InvalidArgumentError} unless `bytes` is a positive whole number (or null).
 */
export function setMaxTensorBytes(bytes: number | null): void {
  if (bytes !== null && (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 1)) {
    throw new InvalidArgumentError(
      `setMaxTensorBytes() expects a positive whole number of bytes, or null for the default, got ${describe(bytes)}`,
    );
  }
  callNative(() => native.setMaxTensorBytes(bytes ?? undefined));
}

/** The largest buffer, in bytes, that one request may reserve (see {@link setMaxTensorBytes}). */
export function getMaxTensorBytes(): number {
  return native.maxTensorBytes();
}
