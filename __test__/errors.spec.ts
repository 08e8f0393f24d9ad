// The boundary rules: bad input is a typed error with a stable code and a message naming what was
// expected and what came; never a crash.
import { describe, expect, it } from 'vitest';
import { awaitNative, callNative, native, runNode, thrown, zd } from './helpers.js';

describe('shape mismatches', () => {
  it('matmul names both shapes', () => {
    const err = thrown(() => zd.matmul(zd.zeros([2, 3]), zd.zeros([4, 5])));
    expect(err).toBeInstanceOf(zd.ShapeMismatchError);
    expect(err).toBeInstanceOf(zd.ZerodlError);
    expect(err.code).toBe('ERR_SHAPE_MISMATCH');
    expect(err.message).toContain('[2, 3]');
    expect(err.message).toContain('[4, 5]');
  });

  it('elementwise ops name both shapes', () => {
    const err = thrown(() => zd.add(zd.zeros([2, 3]), zd.zeros([4])));
    expect(err.code).toBe('ERR_SHAPE_MISMATCH');
    expect(err.message).toMatch(/\[2, 3\].*\[4\]/);
  });

  it('matmulAsync rejects with the same typed error', async () => {
    await expect(zd.matmulAsync(zd.zeros([2, 3]), zd.zeros([4, 5]))).rejects.toMatchObject({
      name: 'ShapeMismatchError',
      code: 'ERR_SHAPE_MISMATCH',
    });
  });
});

describe('invalid arguments', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['a negative dimension', () => zd.zeros([2, -3]), /dimension 1 .*non-negative integer, got -3/],
    ['a NaN dimension', () => zd.ones([NaN]), /got NaN/],
    ['a fractional dimension', () => zd.zeros([1.5]), /got 1.5/],
    ['a wrong data length', () => zd.tensor(new Float32Array(5), [2, 3]), /5 values but shape \[2, 3\] needs 6/],
    ['a non-array input', () => zd.tensor('hello' as never), /expects data to be a Float32Array.*got the string "hello"/],
    ['an object input', () => zd.tensor({ length: 2 } as never), /got an object/],
    ['a ragged nested array', () => zd.tensor([[1, 2], [3]]), /rectangular.*\[2, 2\].*length 1 at data\[1\]/],
    ['a non-number element', () => zd.tensor([1, 'x' as never]), /expects numbers, got the string "x" at data\[1\]/],
    ['a non-array shape', () => zd.zeros(3 as never), /shape as an array of numbers, got number 3/],
    ['an axis out of range', () => zd.sum(zd.zeros([2, 2]), 5), /axis 5 is out of range for a tensor of rank 2/],
    ['a rank-1 matmul operand', () => zd.matmul(zd.zeros([3]), zd.zeros([3, 1])), /rank >= 2.*\[3\]/],
    ['bad uniform bounds', () => zd.uniform([2], 1, 0), /low < high.*low 1, high 0/],
    ['a negative std', () => zd.randn([2], { std: -1 }), /std >= 0/],
    ['a non-tensor operand', () => zd.add({} as never, zd.zeros([1])), /./],
  ];
  it.each(cases)('%s throws ERR_INVALID_ARGUMENT', (_, f, message) => {
    const err = thrown(f);
    expect(err).toBeInstanceOf(zd.InvalidArgumentError);
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.message).toMatch(message);
  });
});

describe('panics inside Rust', () => {
  it('become ERR_INTERNAL errors on the sync path', () => {
    const err = thrown(() => callNative(() => native.testOnlyPanic('sync boom')));
    expect(err).toBeInstanceOf(zd.InternalError);
    expect(err.code).toBe('ERR_INTERNAL');
    expect(err.message).toContain('sync boom');
  });

  it('become rejected promises on the async path', async () => {
    await expect(awaitNative(native.testOnlyPanicAsync('async boom'))).rejects.toMatchObject({
      code: 'ERR_INTERNAL',
      message: expect.stringContaining('async boom'),
    });
  });

  it('leave the process alive (checked in a child process)', () => {
    const r = runNode(`
      const b = require('./binding.js');
      try { b.testOnlyPanic('x'); } catch (e) { console.log('sync', e.message); }
      b.testOnlyPanicAsync('y').catch((e) => console.log('async', e.code)).then(() => {
        const zd = require('./dist/index.js');
        console.log('alive', zd.matmul(zd.ones([2, 2]), zd.ones([2, 2])).toArray()[0][0]);
      });
    `);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('sync x');
    expect(r.stdout).toContain('async ERR_INTERNAL');
    expect(r.stdout).toContain('alive 2');
  });
});
