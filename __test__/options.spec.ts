// checkOptions / closest (dist/util/options.js): strict options objects for every public call. An
// unknown key is a typed error naming it, the key probably meant, and the known ones.
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { thrown } from './helpers.js';

const require = createRequire(import.meta.url);
const { checkOptions, closest } = require('../dist/util/options.js') as typeof import('../dist/util/options.js');
const { describe: describeValue } = require('../dist/util/describe.js') as typeof import('../dist/util/describe.js');
const { InvalidArgumentError, ZerodlError } = require('../dist/errors.js') as typeof import('../dist/errors.js');

const known = ['epochs', 'batchSize', 'lengths', 'limit', 'dir'] as const;

describe('checkOptions', () => {
  it('returns the options object itself when every key is known', () => {
    const options = { epochs: 3, limit: 10 };
    expect(checkOptions('f()', options, known)).toBe(options);
    const empty = {};
    expect(checkOptions('f()', empty, known)).toBe(empty);
  });

  it('returns {} for undefined (omitted options)', () => {
    expect(checkOptions('f()', undefined, known)).toEqual({});
    expect(checkOptions('f()', undefined, [])).toEqual({});
  });

  it('accepts objects without a prototype and plain objects of another realm', () => {
    const bare = Object.assign(Object.create(null) as object, { dir: '/tmp' });
    expect(checkOptions('f()', bare, known)).toBe(bare);
    const foreign = runInNewContext('({ limit: 5 })') as object;
    expect(checkOptions('f()', foreign, known)).toBe(foreign);
  });

  it('accepts known keys whatever their values (values are checked by the caller)', () => {
    expect(() => checkOptions('f()', { epochs: undefined, dir: null, limit: 'x' }, known)).not.toThrow();
  });

  it('rejects an unknown key, naming it, the key meant and the known ones', () => {
    const err = thrown(() => checkOptions('model.fit()', { epochs: 2, lenghts: [1] }, known));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err).toBeInstanceOf(ZerodlError);
    expect(err.code).toBe('ERR_INVALID_ARGUMENT');
    expect(err.message).toBe('model.fit(): unknown option "lenghts"; did you mean "lengths"? (options: epochs, batchSize, lengths, limit, dir)');
  });

  it('gives no suggestion when no known key is close', () => {
    const err = thrown(() => checkOptions('loadMnist()', { foo: 1 }, ['limit', 'dir']));
    expect(err.message).toBe('loadMnist(): unknown option "foo" (options: limit, dir)');
  });

  it('suggests a key that differs only in letter case, however many letters', () => {
    expect(thrown(() => checkOptions('f()', { batchsize: 8 }, known)).message).toMatch(/unknown option "batchsize"; did you mean "batchSize"\?/);
    expect(thrown(() => checkOptions('f()', { BATCHSIZE: 8 }, known)).message).toMatch(/did you mean "batchSize"\?/);
  });

  it('names the first unknown key when there are several', () => {
    expect(thrown(() => checkOptions('f()', { limit: 1, lmit: 2, foo: 3 }, known)).message).toMatch(/^f\(\): unknown option "lmit"; did you mean "limit"\?/);
  });

  it('rejects unknown keys whose value is undefined, and keys that look like built-ins', () => {
    expect(thrown(() => checkOptions('f()', { limt: undefined }, known)).message).toMatch(/unknown option "limt"/);
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const options = JSON.parse(`{${JSON.stringify(key)}: 1}`) as object;
      expect(thrown(() => checkOptions('f()', options, known)).message).toContain(`unknown option ${JSON.stringify(key)}`);
    }
  });

  it('ignores symbol keys and inherited or non-enumerable properties', () => {
    const options = { limit: 1, [Symbol('tag')]: true };
    Object.defineProperty(options, 'hidden', { value: 1, enumerable: false });
    expect(checkOptions('f()', options, known)).toBe(options);
  });

  it('quotes odd keys and shortens long ones', () => {
    expect(thrown(() => checkOptions('f()', { 'a "b"\n': 1 }, known)).message).toContain('unknown option "a \\"b\\"\\n"');
    const long = 'x'.repeat(10_000);
    const err = thrown(() => checkOptions('f()', { [long]: 1 }, known));
    expect(err.message).toContain(`"${'x'.repeat(60)}..."`);
    expect(err.message.length).toBeLessThan(200);
  });

  it('says so when the call takes no options at all', () => {
    expect(thrown(() => checkOptions('f()', { limit: 1 }, [])).message).toBe('f(): unknown option "limit" (it takes no options)');
  });

  it.each([
    ['null', null, 'null'],
    ['an array', [1, 2], 'an array of length 2'],
    ['a number', 3, 'number 3'],
    ['a string', 'fast', 'the string "fast"'],
    ['a boolean', true, 'boolean true'],
    ['a function', () => 1, 'function () => 1'],
    ['a class instance', new (class Config {})(), 'an object (Config)'],
    ['a Map', new Map([['limit', 1]]), 'an object (Map)'],
    ['a Date', new Date(0), 'an object (Date)'],
    ['a boxed string', Object('s'), 'an object (String)'],
    ['a typed array', new Float32Array(2), 'an object (Float32Array)'],
  ])('rejects %s in place of an options object', (_, value, what) => {
    const err = thrown(() => checkOptions('loadMnist()', value as never, known));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toBe(`loadMnist() expects an options object, got ${what}`);
  });
});

describe('closest', () => {
  it('finds a key within the allowed edit distance', () => {
    expect(closest('lenghts', known)).toBe('lengths'); // a swap of adjacent letters: one edit
    expect(closest('dri', known)).toBe('dir'); // one edit even for a short key
    expect(closest('limt', known)).toBe('limit'); // deletion
    expect(closest('limitt', known)).toBe('limit'); // insertion
    expect(closest('dur', known)).toBe('dir'); // substitution; short keys allow 1
    expect(closest('epoch', known)).toBe('epochs');
    expect(closest('batch_size', known)).toBe('batchSize'); // distance 2, length 10 allows 3
  });

  it('allows max(1, floor(length / 3)) edits, no more', () => {
    expect(closest('xy', ['ab'])).toBeUndefined(); // distance 2 > 1
    expect(closest('ab', ['ax'])).toBe('ax'); // distance 1
    expect(closest('ab', ['ba'])).toBe('ba'); // a swap: distance 1
    expect(closest('abc', ['cab'])).toBeUndefined(); // two swaps or two edits: distance 2 > 1
    expect(closest('abcdefghi', ['badcfehgi'])).toBeUndefined(); // four swaps > 3
    expect(closest('abcdefghi', ['badcfeghi'])).toBe('badcfeghi'); // three swaps = floor(9 / 3)
    expect(closest('abcdef', ['abxyef'])).toBe('abxyef'); // distance 2 = floor(6 / 3)
    expect(closest('abcdef', ['axyzef'])).toBeUndefined(); // distance 3 > 2
    expect(closest('foo', ['limit', 'dir'])).toBeUndefined();
    expect(closest('validation', ['validationSplit', 'validationData'])).toBeUndefined(); // distance 4 or 5 > 3
  });

  it('prefers the nearest candidate, then the first listed', () => {
    expect(closest('lr', ['learningRate', 'lr2', 'l'])).toBe('lr2');
    expect(closest('cat', ['bat', 'car'])).toBe('bat');
    expect(closest('cat', ['car', 'bat'])).toBe('car');
    expect(closest('units', ['unit', 'units2'])).toBe('unit');
  });

  it('handles empty inputs and very long keys quickly', () => {
    expect(closest('limit', [])).toBeUndefined();
    const start = performance.now();
    expect(closest('x'.repeat(1_000_000), known)).toBeUndefined();
    expect(closest('y'.repeat(300), ['y'.repeat(299) + 'z'])).toBe('y'.repeat(299) + 'z');
    expect(performance.now() - start).toBeLessThan(500); // candidates far shorter than the key are skipped unread
  });
});

describe('describe (binding-free, for options and datasets)', () => {
  it('matches the message text of describe in tensor.ts', () => {
    const { describe: tensorDescribe } = require('../dist/tensor.js') as typeof import('../dist/tensor.js');
    for (const v of [null, undefined, 1, NaN, 'text', 'x'.repeat(100), [], [1, 2], {}, Object.create(null), new Map(), () => 0, true, 10n, Symbol.iterator]) {
      expect(describeValue(v)).toBe(tensorDescribe(v));
    }
  });
});
