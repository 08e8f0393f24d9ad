/**
 * What callbacks that watch a metric share (early stopping, model checkpoints): which direction
 * is better, Keras's 'auto' rule included.
 */

/** 'min' or 'max' is better; 'auto' decides by the metric's name. */
export type MonitorMode = 'auto' | 'min' | 'max';

/** 'auto' is 'max' for accuracy-like metrics (names containing 'acc') and 'min' otherwise. */
export function resolveMode(monitor: string, mode: MonitorMode): 'min' | 'max' {
  return mode === 'auto' ? (monitor.includes('acc') ? 'max' : 'min') : mode;
}
