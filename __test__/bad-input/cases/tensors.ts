// Making and inspecting tensors: tensor(), zeros/ones/full, randn/uniform, reshape, and using a
// tensor after dispose().
import type { Case } from '../types.js';

const DATA = /Float32Array, a typed array or a \(nested\) array of numbers/;
const SHAPE_ARRAY = /expects a shape as an array of numbers/;
const DIM = /must be a non-negative integer/;

export const tensors: Case[] = [
  // tensor(data)
  { name: 'tensor(): data is a string', code: `zd.tensor('abc')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "abc"/, expected: DATA } },
  { name: 'tensor(): data is null', code: `zd.tensor(null)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: DATA } },
  // describe(undefined) prints "undefined undefined".
  { name: 'tensor(): no data at all', code: `zd.tensor()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got undefined$/, expected: DATA } },
  { name: 'tensor(): data is a number', code: `zd.tensor(5)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 5/, expected: DATA } },
  { name: 'tensor(): data is a plain object', code: `zd.tensor({ a: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an object \(Object\)/, expected: DATA } },
  { name: 'tensor(): data is an ArrayBuffer', code: `zd.tensor(new ArrayBuffer(8))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /ArrayBuffer/, expected: DATA } },
  { name: 'tensor(): data is a DataView', code: `zd.tensor(new DataView(new ArrayBuffer(8)))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /DataView/, expected: DATA } },
  { name: 'tensor(): data is a BigInt64Array', code: `zd.tensor(new BigInt64Array(2))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /BigInt64Array/, expected: /as numbers|Float32Array/ } },
  { name: 'tensor(): ragged nested array', code: `zd.tensor([[1, 2], [3]])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /length 1 at data\[1\]/, expected: /rectangular nested array of shape \[2, 2\]/ } },
  { name: 'tensor(): ragged at depth 3', code: `zd.tensor([[[1], [2]], [[3]]])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /length 1 at data\[1\]/, expected: /\[2, 2, 1\]/ } },
  { name: 'tensor(): a number where a row belongs', code: `zd.tensor([[1, 2], 3])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 3 at data\[1\]/, expected: /rectangular nested array of shape \[2, 2\]/ } },
  { name: 'tensor(): a hole (sparse array)', code: `zd.tensor([1, , 3])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /hole.*at data\[1\]/, expected: /expects numbers/ } },
  { name: 'tensor(): a string element', code: `zd.tensor([[1, 'a']])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "a" at data\[0\]\[1\]/, expected: /expects numbers/ } },
  { name: 'tensor(): a boolean element', code: `zd.tensor([true])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /boolean true at data\[0\]/, expected: /expects numbers/ } },
  { name: 'tensor(): a null element', code: `zd.tensor([1, null])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /null at data\[1\]/, expected: /expects numbers/ } },
  { name: 'tensor(): a BigInt element', code: `zd.tensor([1n, 2n])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /bigint 1 at data\[0\]/, expected: /expects numbers/ } },
  { name: 'tensor(): shape holds fewer values than the data', code: `zd.tensor([1, 2, 3], [2, 2])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /3 values/, expected: /shape \[2, 2\] needs 4/ } },
  { name: 'tensor(): shape is a string', code: `zd.tensor([1, 2], '2')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "2"/, expected: SHAPE_ARRAY } },
  { name: 'tensor(): shape holds a string', code: `zd.tensor([1, 2], ['2'])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "2" at index 0/, expected: SHAPE_ARRAY } },
  { name: 'tensor(): negative dimension', code: `zd.tensor([1, 2], [-2])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -2/, expected: DIM } },
  { name: 'tensor(): fractional dimension', code: `zd.tensor([1, 2], [2.5])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 2\.5/, expected: DIM } },
  { name: 'tensor(): NaN dimension', code: `zd.tensor([1, 2], [NaN])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got NaN/, expected: DIM } },

  // zeros / ones / full
  { name: 'zeros(): negative dimension', code: `zd.zeros([2, -3])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got -3 \(in shape \[2, -3\]\)/, expected: /dimension 1 must be a non-negative integer/ } },
  { name: 'zeros(): Infinity dimension', code: `zd.zeros([Infinity])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got (inf|Infinity)/i, expected: DIM } },
  { name: 'zeros(): fractional dimension', code: `zd.zeros([1.5])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1\.5/, expected: DIM } },
  // The message names full(), which the user did not call.
  { name: 'zeros(): shape is a number', code: `zd.zeros(3)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 3/, expected: /zeros\(\) expects a shape as an array of numbers/ } },
  { name: 'zeros(): shape with a hole', code: `zd.zeros([2, , 3])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /a hole at index 1/, expected: SHAPE_ARRAY } },
  { name: 'zeros(): no shape', code: `zd.zeros()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /undefined/, expected: SHAPE_ARRAY } },
  { name: 'ones(): shape is null', code: `zd.ones(null)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: SHAPE_ARRAY } },
  { name: 'ones(): shape holds a string', code: `zd.ones(['2'])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "2" at index 0/, expected: SHAPE_ARRAY } },
  { name: 'full(): no value', code: `zd.full([2])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /undefined/, expected: /value to be a number/ } },
  { name: 'full(): value is a string', code: `zd.full([2], '1')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "1"/, expected: /value to be a number/ } },

  // randn / uniform
  { name: 'randn(): misspelt option', code: `zd.randn([2], { sedd: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "sedd"/, expected: /did you mean "seed"/ } },
  { name: 'randn(): negative std', code: `zd.randn([2], { std: -1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /std -1/, expected: /std >= 0/ } },
  { name: 'randn(): NaN mean', code: `zd.randn([2], { mean: NaN })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /NaN/, expected: /mean to be a finite number/ } },
  { name: 'randn(): fractional seed', code: `zd.randn([2], { seed: 1.5 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /1\.5/, expected: /seed to be an integer/ } },
  { name: 'randn(): options is a number', code: `zd.randn([2], 5)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 5/, expected: /an options object/ } },
  { name: 'randn(): shape is a string', code: `zd.randn('2')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "2"/, expected: /randn\(\) expects a shape/ } },
  { name: 'uniform(): low > high', code: `zd.uniform([2], 1, 0)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /low 1, high 0/, expected: /low < high/ } },
  { name: 'uniform(): low == high', code: `zd.uniform([2], 1, 1)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /low 1, high 1/, expected: /low < high/ } },
  { name: 'uniform(): low is a string', code: `zd.uniform([2], '0', 1)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "0"/, expected: /low to be a finite number/ } },
  { name: 'uniform(): high is Infinity', code: `zd.uniform([2], 0, Infinity)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /Infinity/, expected: /high to be a finite number/ } },
  { name: 'uniform(): misspelt option', code: `zd.uniform([2], 0, 1, { seeds: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "seeds"/, expected: /did you mean "seed"/ } },

  // reshape
  { name: 'reshape(): another number of values', code: `zd.zeros([2, 3]).reshape([4])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /\[4\] \(4 values\)/, expected: /\[2, 3\] \(6 values\)/ } },
  // The message says -1 is not allowed at all; one -1 is (the inferred dimension).
  { name: 'reshape(): two -1 dimensions', code: `zd.zeros([2, 3]).reshape([-1, -1])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /\[-1, -1\]/, expected: /(one|single|only).*-1|-1.*(once|one)/ } },
  { name: 'reshape(): -1 that cannot divide', code: `zd.zeros([2, 3]).reshape([-1, 4])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /\[-1, 4\]/, expected: /6 values/ } },
  { name: 'reshape(): shape is a string', code: `zd.zeros([2, 3]).reshape('6')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "6"/, expected: /reshape\(\) expects a shape/ } },
  { name: 'reshape(): fractional dimension', code: `zd.zeros([2, 3]).reshape([1.5, 4])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got 1\.5/, expected: DIM } },

  // After dispose()
  { name: 'toArray() after dispose', code: `h.disposed().toArray()`, expect: { code: 'ERR_DISPOSED', came: /was disposed/, expected: /cannot be used/ } },
  { name: 'toFloat32Array() after dispose', code: `h.disposed().toFloat32Array()`, expect: { code: 'ERR_DISPOSED', came: /was disposed/, expected: /cannot be used/ } },
  { name: 'shape after dispose', code: `h.disposed().shape`, expect: { code: 'ERR_DISPOSED', came: /was disposed/, expected: /cannot be used/ } },
  { name: 'size after dispose', code: `h.disposed().size`, expect: { code: 'ERR_DISPOSED', came: /was disposed/, expected: /cannot be used/ } },
  { name: 'reshape() after dispose', code: `h.disposed([4]).reshape([2, 2])`, expect: { code: 'ERR_DISPOSED', came: /was disposed/, expected: /cannot be used/ } },
];
