/**
 * zerodl: deep learning for Node.js on a Rust core.
 *
 * @example
 * import { tensor, matmul } from 'zerodl';
 * const a = tensor([[1, 2], [3, 4]]);
 * matmul(a, a).toArray(); // [[7, 10], [15, 22]]
 */
export * from './errors.js';
export * from './ops.js';
export { full, ones, randn, tensor, Tensor, uniform, zeros } from './tensor.js';
export type { NestedArray, RandnOptions, RandomOptions, TensorLike } from './tensor.js';
export { backendInfo } from './info.js';
export type { BackendInfo } from './info.js';
