// ESM entry: re-exports the CommonJS build, so `import` and `require` users share one module
// instance (no dual-package hazard: `instanceof Tensor` works across both).
export * from './index.js';
