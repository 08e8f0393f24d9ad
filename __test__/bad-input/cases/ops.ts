// Tensor operations: matmul / matmulAsync, broadcasting add/sub/mul, unary ops, softmax /
// logSoftmax axes, sum.
import type { Case } from '../types.js';

const AXIS_RANGE = /out of range for a tensor of rank 2/;

export const ops: Case[] = [
  // matmul
  { name: 'matmul(): inner dimensions differ', code: `zd.matmul(zd.zeros([2, 3]), zd.zeros([4, 5]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /\[2, 3\] by \[4, 5\]/, expected: /inner dimensions 3 and 4 differ/ } },
  { name: 'matmul(): a rank-1 operand', code: `zd.matmul(zd.zeros([3]), zd.zeros([3, 1]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /shapes \[3\] and \[3, 1\]/, expected: /rank >= 2/ } },
  { name: 'matmul(): a scalar operand', code: `zd.matmul(zd.zeros([]), zd.zeros([3, 1]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /shapes \[\] and \[3, 1\]/, expected: /rank >= 2/ } },
  { name: 'matmul(): batch dimensions differ', code: `zd.matmul(zd.zeros([2, 2, 3]), zd.zeros([3, 3, 4]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /\[2, 2, 3\] by \[3, 3, 4\]/, expected: /batch dimensions/ } },
  { name: 'matmul(): batch ranks differ', code: `zd.matmul(zd.zeros([2, 2, 3]), zd.zeros([3, 4]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /\[2, 2, 3\] by \[3, 4\]/, expected: /batch dimensions/ } },
  { name: 'matmul(): transposeB makes inner dimensions differ', code: `zd.matmul(zd.zeros([2, 3]), zd.zeros([3, 2]), { transposeB: true })`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /\[2, 3\]/, expected: /inner dimensions/ } },
  { name: 'matmul(): transposeA is a number', code: `zd.matmul(zd.zeros([2, 3]), zd.zeros([2, 3]), { transposeA: 1 })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 1/, expected: /transposeA to be true or false/ } },
  { name: 'matmul(): misspelt option', code: `zd.matmul(zd.zeros([2, 3]), zd.zeros([3, 3]), { transposeb: true })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "transposeb"/, expected: /did you mean "transposeB"/ } },
  { name: 'matmul(): options is null', code: `zd.matmul(zd.zeros([2, 3]), zd.zeros([3, 3]), null)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: /an options object/ } },
  { name: 'matmul(): a is a nested array', code: `zd.matmul([[1]], zd.zeros([1, 1]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an array of length 1/, expected: /a to be a Tensor/ } },
  { name: 'matmul(): b is missing', code: `zd.matmul(zd.zeros([1, 1]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /undefined/, expected: /b to be a Tensor/ } },
  { name: 'matmul(): a disposed operand', code: `zd.matmul(h.disposed(), zd.zeros([2, 2]))`, expect: { code: 'ERR_DISPOSED', came: /was disposed/, expected: /cannot be used/ } },
  { name: 'matmulAsync(): inner dimensions differ', code: `zd.matmulAsync(zd.zeros([2, 3]), zd.zeros([4, 5]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /\[2, 3\] by \[4, 5\]/, expected: /inner dimensions 3 and 4 differ/ } },
  { name: 'matmulAsync(): unknown option', code: `zd.matmulAsync(zd.zeros([2, 3]), zd.zeros([3, 5]), { async: true })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "async"/, expected: /options: transposeA, transposeB/ } },
  { name: 'matmulAsync(): a is a string', code: `zd.matmulAsync('a', zd.zeros([3, 5]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "a"/, expected: /a to be a Tensor/ } },
  { name: 'matmulAsync(): a disposed operand', code: `zd.matmulAsync(zd.zeros([2, 2]), h.disposed())`, expect: { code: 'ERR_DISPOSED', came: /was disposed/, expected: /cannot be used/ } },

  // add / sub / mul
  { name: 'add(): shapes do not broadcast', code: `zd.add(zd.zeros([2, 3]), zd.zeros([4]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /\[2, 3\] and \[4\]/, expected: /cannot be broadcast/ } },
  { name: 'add(): leading dimensions do not broadcast', code: `zd.add(zd.zeros([2, 3, 4]), zd.zeros([3, 3, 4]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /\[2, 3, 4\] and \[3, 3, 4\]/, expected: /cannot be broadcast/ } },
  { name: 'sub(): shapes do not broadcast', code: `zd.sub(zd.zeros([2, 3]), zd.zeros([2, 2]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /\[2, 3\] and \[2, 2\]/, expected: /cannot be broadcast/ } },
  { name: 'mul(): shapes do not broadcast', code: `zd.mul(zd.zeros([5]), zd.zeros([4]))`, expect: { code: 'ERR_SHAPE_MISMATCH', came: /\[5\] and \[4\]/, expected: /cannot be broadcast/ } },
  { name: 'add(): b is a string', code: `zd.add(zd.zeros([2]), '1')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "1"/, expected: /b to be a Tensor/ } },
  { name: 'add(): a is null', code: `zd.add(null, zd.zeros([2]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: /a to be a Tensor/ } },
  { name: 'add(): a is an array', code: `zd.add([1, 2], zd.zeros([2]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an array of length 2/, expected: /a to be a Tensor/ } },
  { name: 'mul(): a is a plain object', code: `zd.mul({}, zd.zeros([2]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an object \(Object\)/, expected: /a to be a Tensor/ } },
  { name: 'mul(): b is a BigInt', code: `zd.mul(zd.zeros([2]), 2n)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /bigint 2/, expected: /b to be a Tensor/ } },
  { name: 'sub(): b is missing', code: `zd.sub(zd.zeros([2]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /undefined/, expected: /b to be a Tensor/ } },
  { name: 'add(): a disposed operand', code: `zd.add(zd.zeros([2, 2]), h.disposed())`, expect: { code: 'ERR_DISPOSED', came: /was disposed/, expected: /cannot be used/ } },
  { name: 'mul(): scaling a disposed tensor', code: `zd.mul(h.disposed(), 2)`, expect: { code: 'ERR_DISPOSED', came: /was disposed/, expected: /cannot be used/ } },

  // unary
  { name: 'sigmoid(): x is an array', code: `zd.sigmoid([1, 2])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an array of length 2/, expected: /x to be a Tensor/ } },
  { name: 'tanh(): x is a number', code: `zd.tanh(1)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 1/, expected: /x to be a Tensor/ } },
  { name: 'relu(): x is null', code: `zd.relu(null)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: /x to be a Tensor/ } },
  { name: 'exp(): no x', code: `zd.exp()`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /undefined/, expected: /x to be a Tensor/ } },
  { name: 'exp(): a disposed tensor', code: `zd.exp(h.disposed())`, expect: { code: 'ERR_DISPOSED', came: /was disposed/, expected: /cannot be used/ } },

  // softmax / logSoftmax
  { name: 'softmax(): axis 5 of a rank-2 tensor', code: `zd.softmax(zd.zeros([2, 3]), 5)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /axis 5/, expected: AXIS_RANGE } },
  { name: 'softmax(): axis -3 of a rank-2 tensor', code: `zd.softmax(zd.zeros([2, 3]), -3)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /axis -3/, expected: AXIS_RANGE } },
  { name: 'softmax(): fractional axis', code: `zd.softmax(zd.zeros([2, 3]), 1.5)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /1\.5/, expected: /axis to be an integer/ } },
  { name: 'softmax(): axis is a string', code: `zd.softmax(zd.zeros([2, 3]), '1')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "1"/, expected: /axis to be an integer/ } },
  { name: 'softmax(): NaN axis', code: `zd.softmax(zd.zeros([2, 3]), NaN)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /NaN/, expected: /axis to be an integer/ } },
  { name: 'softmax(): a scalar has no axis', code: `zd.softmax(zd.zeros([]))`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /axis -1/, expected: /out of range for a tensor of rank 0/ } },
  { name: 'softmax(): x is an array', code: `zd.softmax([1, 2])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an array of length 2/, expected: /x to be a Tensor/ } },
  { name: 'logSoftmax(): axis 2 of a rank-2 tensor', code: `zd.logSoftmax(zd.zeros([2, 3]), 2)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /axis 2/, expected: AXIS_RANGE } },
  { name: 'logSoftmax(): axis is null', code: `zd.logSoftmax(zd.zeros([2, 3]), null)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /got null/, expected: /axis to be an integer/ } },
  // 2^40 is an integer; the message says an integer was expected instead of the valid range.
  { name: 'logSoftmax(): axis 2^40', code: `zd.logSoftmax(zd.zeros([2, 3]), 2 ** 40)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /1099511627776/, expected: AXIS_RANGE } },

  // sum
  { name: 'sum(): axis 5 of a rank-2 tensor', code: `zd.sum(zd.zeros([2, 2]), 5)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /axis 5/, expected: AXIS_RANGE } },
  { name: 'sum(): axis -3 of a rank-2 tensor', code: `zd.sum(zd.zeros([2, 2]), -3)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /axis -3/, expected: AXIS_RANGE } },
  { name: 'sum(): axis is a string', code: `zd.sum(zd.zeros([2, 2]), 'x')`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "x"/, expected: /axis to be an integer/ } },
  { name: 'sum(): keepDims is a string', code: `zd.sum(zd.zeros([2, 2]), 0, { keepDims: 'yes' })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /the string "yes"/, expected: /keepDims to be true or false/ } },
  { name: 'sum(): misspelt keepDims', code: `zd.sum(zd.zeros([2, 2]), 0, { keepdims: true })`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /unknown option "keepdims"/, expected: /did you mean "keepDims"/ } },
  { name: 'sum(): axis 0 of a scalar', code: `zd.sum(zd.zeros([]), 0)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /axis 0/, expected: /out of range for a tensor of rank 0/ } },
  { name: 'sum(): x is a number', code: `zd.sum(5)`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /number 5/, expected: /x to be a Tensor/ } },
  { name: 'sum(): options is an array', code: `zd.sum(zd.zeros([2, 2]), 0, [])`, expect: { code: 'ERR_INVALID_ARGUMENT', came: /an array of length 0/, expected: /an options object/ } },
];
