/**
 * A learning-rate schedule, with Keras's `LearningRateScheduler` semantics: before each epoch,
 * `schedule(epoch, currentRate)` gives the rate for that epoch. The optimizer keeps its state
 * (Adam's moments and step count, SGD's momentum), which compiling again would reset.
 */
import { InvalidArgumentError } from '../errors.js';
import { describe } from '../util/describe.js';
import type { Callback, TrainingTarget } from './callbacks.js';

/** The rate for epoch `epoch` (0-based), given the rate in use. */
export type Schedule = (epoch: number, learningRate: number) => number;

/** Sets the optimizer's learning rate before each epoch from a schedule. */
export class LearningRateScheduler implements Callback {
  readonly schedule: Schedule;
  #model: TrainingTarget | undefined;

  constructor(schedule: Schedule) {
    if (typeof schedule !== 'function') {
      throw new InvalidArgumentError(`learningRateScheduler() expects a function (epoch, learningRate) => learningRate, got ${describe(schedule)}`);
    }
    this.schedule = schedule;
  }

  setModel(model: TrainingTarget): void {
    this.#model = model;
  }

  onEpochBegin(epoch: number): void {
    const model = this.#model;
    const current = model?.learningRate;
    if (model === undefined || current === undefined) {
      throw new InvalidArgumentError('learningRateScheduler() needs a compiled model with an optimizer (fit() gives it one)');
    }
    const next: unknown = this.schedule(epoch, current);
    if (typeof next !== 'number' || !Number.isFinite(next) || next < 0) {
      throw new InvalidArgumentError(`learningRateScheduler(): the schedule must return a finite number >= 0, got ${describe(next)} for epoch ${epoch}`);
    }
    model.learningRate = next;
  }
}

/** A callback that sets the learning rate before each epoch: `schedule(epoch, rate)`. */
export function learningRateScheduler(schedule: Schedule): LearningRateScheduler {
  return new LearningRateScheduler(schedule);
}
