// Every area of the bad-input suite, in the order they run. A new API area gets a file here.
import type { Area } from '../types.js';
import { conv } from './conv.js';
import { datasets } from './datasets.js';
import { emptyBatch } from './empty-batch.js';
import { files } from './files.js';
import { layers } from './layers.js';
import { memory } from './memory.js';
import { models } from './models.js';
import { ops } from './ops.js';
import { tensors } from './tensors.js';
import { training } from './training.js';
import { units } from './units.js';

export const areas: Area[] = [
  { name: 'tensors', cases: tensors },
  { name: 'ops', cases: ops },
  { name: 'layers', cases: layers },
  { name: 'conv layers', cases: conv },
  { name: 'models', cases: models },
  { name: 'training', cases: training },
  { name: 'units', cases: units },
  { name: 'model files', cases: files },
  { name: 'memory', cases: memory },
  { name: 'datasets', cases: datasets },
  { name: 'empty batches', cases: emptyBatch },
];
