// zerodl/datasets: loaders' options, missing or wrong files, trainTestSplit, takeRows.
import type { Case } from '../types.js';

const FOLDER = /dir to be a folder path/;

export const datasets: Case[] = [
  // loadMnist
  { name: 'loadMnist(): split "validation"', code: `datasets.loadMnist('validation')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /"validation"/, expected: /split 'train' or 'test'/ } },
  { name: 'loadMnist(): no split', code: `datasets.loadMnist()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /undefined/, expected: /split 'train' or 'test'/ } },
  { name: 'loadMnist(): limit 0', code: `datasets.loadMnist('test', { limit: 0 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got number 0/, expected: /limit to be an integer >= 1/ } },
  // String(limit): the message shows 10, as if a number had come.
  { name: 'loadMnist(): limit is a string', code: `datasets.loadMnist('test', { limit: '10' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /"10"|string/, expected: /limit to be an integer >= 1/ } },
  { name: 'loadMnist(): misspelt limit', code: `datasets.loadMnist('test', { limt: 10 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "limt"/, expected: /did you mean "limit"/ } },
  { name: 'loadMnist(): dir is a number', code: `datasets.loadMnist('test', { dir: 5 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number/, expected: FOLDER } },
  { name: 'loadMnist(): options is a string', code: `datasets.loadMnist('test', 'x')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "x"/, expected: /an options object/ } },
  { name: 'loadMnist(): a folder that does not exist', code: `datasets.loadMnist('test', { dir: '/nonexistent-zerodl-dir' })`, expect: { code: 'ERR_DATASET', came: /\/nonexistent-zerodl-dir\/t10k-images-idx3-ubyte/, expected: /cannot be read/ } },
  { name: 'loadMnist(): a folder without MNIST files', code: `datasets.loadMnist('train', { dir: 'data/diabetes' })`, expect: { code: 'ERR_DATASET', came: /data\/diabetes\/train-images-idx3-ubyte/, expected: /cannot be read/ } },

  // loadDiabetes / loadMobyDick / loadSunspots / loadIris
  { name: 'loadDiabetes(): scale (misspelt scaled)', code: `datasets.loadDiabetes({ scale: false })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "scale"/, expected: /did you mean "scaled"/ } },
  { name: 'loadDiabetes(): scaled is a string', code: `datasets.loadDiabetes({ scaled: 'no' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /no/, expected: /scaled to be a boolean/ } },
  { name: 'loadDiabetes(): dir is a number', code: `datasets.loadDiabetes({ dir: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number/, expected: FOLDER } },
  { name: 'loadDiabetes(): a folder that does not exist', code: `datasets.loadDiabetes({ dir: '/nonexistent-zerodl-dir' })`, expect: { code: 'ERR_DATASET', came: /\/nonexistent-zerodl-dir\/diabetes_data_raw\.csv\.gz/, expected: /cannot be read/ } },
  { name: 'loadMobyDick(): folder (not an option)', code: `datasets.loadMobyDick({ folder: 'x' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "folder"/, expected: /options: dir/ } },
  { name: 'loadMobyDick(): a folder without the text', code: `datasets.loadMobyDick({ dir: 'data/diabetes' })`, expect: { code: 'ERR_DATASET', came: /data\/diabetes\/moby-dick\.txt\.gz/, expected: /cannot be read/ } },
  { name: 'loadSunspots(): dri (misspelt dir)', code: `datasets.loadSunspots({ dri: 'x' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "dri"/, expected: /did you mean "dir"/ } },
  { name: 'loadSunspots(): a folder without the data', code: `datasets.loadSunspots({ dir: 'data/diabetes' })`, expect: { code: 'ERR_DATASET', came: /data\/diabetes\/sunspots\.csv\.gz/, expected: /cannot be read/ } },
  // loadIris takes no options; an options object is silently ignored.
  { name: 'loadIris(): an options object', code: `datasets.loadIris({ limit: 10 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /"limit"/, expected: /takes no options|unknown option/ } },

  // trainTestSplit
  { name: 'trainTestSplit(): n 1', code: `datasets.trainTestSplit(1, 0.5, 1)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got number 1/, expected: /n to be an integer >= 2/ } },
  { name: 'trainTestSplit(): testFraction 1', code: `datasets.trainTestSplit(10, 1, 1)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got number 1/, expected: /testFraction in \(0, 1\)/ } },
  { name: 'trainTestSplit(): testFraction 0', code: `datasets.trainTestSplit(10, 0, 1)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got number 0/, expected: /testFraction in \(0, 1\)/ } },
  { name: 'trainTestSplit(): no seed', code: `datasets.trainTestSplit(10, 0.5)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /undefined/, expected: /an integer seed/ } },
  { name: 'trainTestSplit(): testFraction leaves no training rows', code: `datasets.trainTestSplit(2, 0.9, 1)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /testFraction 0\.9 of 2 rows/, expected: /leaves none for training/ } },

  // takeRows
  { name: 'takeRows(): rowLength does not divide the data', code: `datasets.takeRows(new Float32Array(6), 4, [0])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got number 4/, expected: /rowLength to be a positive integer dividing the data length 6/ } },
  { name: 'takeRows(): an index past the last row', code: `datasets.takeRows(new Float32Array(6), 3, [2])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /index number 2 at position 0/, expected: /not a row number in 0\.\.1/ } },
  { name: 'takeRows(): a fractional index', code: `datasets.takeRows(new Float32Array(6), 3, [0.5])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /index number 0\.5 at position 0/, expected: /not a row number in 0\.\.1/ } },
  // Plain TypeErrors: "data.subarray is not a function", "Cannot read properties of null".
  { name: 'takeRows(): data is a plain array', code: `datasets.takeRows([1, 2, 3], 1, [0])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an array/, expected: /Float32Array|Int32Array/ } },
  { name: 'takeRows(): data is null', code: `datasets.takeRows(null, 3, [0])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /null/, expected: /Float32Array|Int32Array/ } },
  { name: 'takeRows(): indices is null', code: `datasets.takeRows(new Float32Array(6), 3, null)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /null/, expected: /indices/ } },
  // A number has no length: the result is silently empty.
  { name: 'takeRows(): indices is a number', code: `datasets.takeRows(new Float32Array(6), 3, 1)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 1|got 1/, expected: /indices/ } },
];
