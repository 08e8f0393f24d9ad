// Docs that run: the README's first example is executed as written and its printed results are
// checked against the comments beside each line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runNode } from './helpers.js';

describe('README', () => {
  it('first example runs and prints what its comments say', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    const r = runNode(code as string);
    expect(r.status, r.stderr).toBe(0);
    const printed = r.stdout.replace(/\s+/g, ' ');
    expect(printed).toContain('[ [ 7, 10 ], [ 15, 22 ] ]');
    expect(printed).toContain("[ '0.090', '0.245', '0.665' ]");
    expect(printed).toContain('[ 22, 32 ]');
  });
});
