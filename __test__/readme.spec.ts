// Docs that run: every ```js and ```ts block of README.md is type-checked against the built
// package's types and executed as written (in a child process, from the repository root, so
// `zerodl` resolves to this package), with the data it needs provided by a prelude; values a
// block's console.log comments announce must be what it prints.
//
// - Fences: ```js / ```ts run; ```sh and plain ``` are not code; any other language fails the
//   suite (add it to RUN or SKIP below), so a new block cannot silently escape.
// - Data: a block using variables it does not define (`images`, `ids`...) is preceded in the
//   README by `<!-- readme-test: NAME -->`, and PRELUDES[NAME] below defines them on real data
//   (and may append checks on what the block computed).
// - Printed values: `console.log(...); // [ 1, 2 ]` (a comment starting with [ or {) or
//   `console.log(...); // -> text` must appear in what the block prints.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { root, runNode } from './helpers.js';

const RUN = { js: 'js', ts: 'ts' } as const;
type Lang = keyof typeof RUN;
const SKIP = new Set(['sh', '']);

interface Prelude {
  /** What the prelude defines for the block (checked: the block must use them). */
  provides: string[];
  /** Code run (and type-checked) before the block, in the same scope. ES imports, plain JS syntax. */
  code: string;
  /** Code run after the block, in its scope: checks that it computed something sensible. */
  check?: string;
}

// Names of the prelude's own bindings start with `readme` so they cannot clash with a block's.
const PRELUDES: Record<string, Prelude> = {
  // "Training a network": MNIST digits, 2000 to train on, 500 to test.
  'mnist-subset': {
    provides: ['images', 'labels', 'testImages', 'testLabels'],
    code: `
import { loadMnist as readmeLoadMnist } from 'zerodl/datasets';
import { tensor as readmeTensor } from 'zerodl';
const readmeTrain = readmeLoadMnist('train', { limit: 2000 });
const readmeTest = readmeLoadMnist('test', { limit: 500 });
const images = readmeTensor(readmeTrain.images, [readmeTrain.count, 784]);
const labels = readmeTensor(readmeTrain.labels, [readmeTrain.count]);
const testImages = readmeTensor(readmeTest.images, [readmeTest.count, 784]);
const testLabels = readmeTensor(readmeTest.labels, [readmeTest.count]);
`,
    check: `
if (!(Number(accuracy) > 0.85)) throw new Error('README training example: test accuracy ' + accuracy + ', expected > 0.85');
if (!(loss < 0.6)) throw new Error('README training example: test loss ' + loss + ', expected < 0.6');
if (probs.shape.join() !== '500,10') throw new Error('README training example: predict gave shape [' + probs.shape.join(', ') + ']');
if (!(history.history.loss.length >= 1)) throw new Error('README training example: empty history');
`,
  },
  // "Recurrent layers": 64 sequences of 40 characters of Moby Dick as ids over their alphabet,
  // the targets the same shifted by one character, every fourth sequence padded (shorter).
  'moby-dick-ids': {
    provides: ['vocab', 'ids', 'nextIds', 'lengths'],
    code: `
import { loadMobyDick as readmeLoadMobyDick } from 'zerodl/datasets';
import { tensor as readmeTensor } from 'zerodl';
const readmeCount = 64;
const readmeSteps = 40;
const readmeText = readmeLoadMobyDick().slice(0, readmeCount * readmeSteps + 1);
const readmeAlphabet = [...new Set(readmeText)].sort();
const vocab = readmeAlphabet.length;
const readmeIds = Float32Array.from(readmeText, (c) => readmeAlphabet.indexOf(c));
const ids = readmeTensor(readmeIds.subarray(0, readmeCount * readmeSteps), [readmeCount, readmeSteps]);
const nextIds = readmeTensor(readmeIds.subarray(1, readmeCount * readmeSteps + 1), [readmeCount, readmeSteps]);
const lengths = Array.from({ length: readmeCount }, (_, i) => (i % 4 === 3 ? readmeSteps - 1 - (i % 9) : readmeSteps));
`,
    check: `
const readmeProbs = model.predict(ids, { lengths }).toFloat32Array();
if (readmeProbs.length !== readmeCount * readmeSteps * vocab || !readmeProbs.every(Number.isFinite)) throw new Error('README recurrent example: bad predictions');
`,
  },
};

interface Block {
  lang: Lang;
  code: string;
  /** README.md line of the block's first code line (1-based). */
  line: number;
  /** From `<!-- readme-test: NAME -->` right before the block. */
  tag: string | undefined;
}

interface Readme {
  blocks: Block[];
  /** Problems with the README's structure (unknown languages, stray or unknown tags). */
  problems: string[];
}

const TAG = /^\s*<!--\s*readme-test:\s*([\w-]+)\s*-->\s*$/;

/** Fenced blocks of a Markdown text (``` or ~~~, indented ones in list items included). */
function parseReadme(md: string): Readme {
  const lines = md.split('\n');
  const blocks: Block[] = [];
  const problems: string[] = [];
  const attached = new Set<number>(); // lines of readme-test comments that precede a runnable block
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,12})(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/.exec(lines[i] as string);
    if (!open) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const lang = info.toLowerCase();
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[j] as string);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length) break;
      const l = lines[j] as string;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l.trimStart());
    }
    if (j === lines.length) problems.push(`README.md:${i + 1}: the ${fence}${info} block is never closed`);
    // The nearest non-blank line before the fence may name the block's prelude.
    let k = i - 1;
    while (k >= 0 && (lines[k] as string).trim() === '') k--;
    const tagMatch = k >= 0 ? TAG.exec(lines[k] as string) : null;
    if (Object.hasOwn(RUN, lang)) {
      if (tagMatch) attached.add(k);
      blocks.push({ lang: lang as Lang, code: body.join('\n'), line: i + 2, tag: tagMatch?.[1] });
    } else if (!SKIP.has(lang)) {
      problems.push(
        `README.md:${i + 1}: a block tagged ${JSON.stringify(info)}: only ${Object.keys(RUN).map((l) => '```' + l).join(', ')} (run) and ` +
          `${[...SKIP].map((l) => '```' + l).join(', ')} (not code) are known; add its language to RUN or SKIP in __test__/readme.spec.ts`,
      );
    }
    i = j;
  }
  lines.forEach((l, n) => {
    const m = TAG.exec(l);
    if (!m) return;
    if (!attached.has(n)) problems.push(`README.md:${n + 1}: <!-- readme-test: ${m[1]} --> is not right before a \`\`\`js or \`\`\`ts block`);
    else if (!Object.hasOwn(PRELUDES, m[1]!)) problems.push(`README.md:${n + 1}: no prelude named ${JSON.stringify(m[1])} in PRELUDES of __test__/readme.spec.ts`);
  });
  const used = new Set(blocks.map((b) => b.tag));
  for (const name of Object.keys(PRELUDES)) {
    if (!used.has(name)) problems.push(`PRELUDES.${name} in __test__/readme.spec.ts is used by no README block (<!-- readme-test: ${name} -->)`);
  }
  return { blocks, problems };
}

/** The block as one program: prelude, block, checks. `offset`: lines before the block's first line. */
function assemble(block: Block): { source: string; offset: number } {
  const prelude = block.tag ? PRELUDES[block.tag] : undefined;
  const head = prelude ? `${prelude.code.trim()}\n` : '';
  const tail = prelude?.check ? `\n${prelude.check.trim()}\n` : '\n';
  const offset = head === '' ? 0 : head.split('\n').length - 1;
  return { source: `${head}${block.code}${tail}`, offset };
}

const label = (b: Block) => `README.md:${b.line} (\`\`\`${b.lang}${b.tag ? `, ${b.tag}` : ''})`;

/** Where the block will run: a CommonJS script, top-level await inside an async IIFE. */
function toScript(block: Block): string {
  const { source } = assemble(block);
  const out = ts.transpileModule(source, {
    fileName: `readme-block.${block.lang}`,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const syntax = (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (syntax.length > 0) throw new Error(`${label(block)} does not parse:\n${syntax.join('\n')}`);
  return `(async () => {\n${out.outputText}\n})().then(undefined, (err) => { console.error(err); process.exit(1); });\n`;
}

const ESM_SYNTAX = /^\s*(import|export)\s/m;

/**
 * Type-checks every block against the built package's types, each as its own file in the
 * repository root (not written to disk): `import ... from 'zerodl'` resolves through package.json
 * "exports", as in a user's project. TS blocks are ES modules (.mts: top-level await is allowed
 * there), checked in full; JS blocks are .mjs or .cjs by their own syntax and only checked for
 * names they use without defining.
 */
function typeCheck(blocks: Block[]): Map<Block, string[]> {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    allowJs: true,
    checkJs: true,
    noEmit: true,
    types: ['node'],
  };
  const files = new Map<string, { block: Block; text: string; offset: number }>();
  for (const block of blocks) {
    const { source, offset } = assemble(block);
    const ext = block.lang === 'ts' ? 'mts' : ESM_SYNTAX.test(source) ? 'mjs' : 'cjs';
    files.set(join(root, `readme-block-${block.line}.${ext}`), { block, text: source, offset });
  }
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f)?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, version, ...rest) => {
    const v = files.get(f);
    return v ? ts.createSourceFile(f, v.text, version, true) : getSourceFile.call(host, f, version, ...rest);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const errors = new Map<Block, string[]>(blocks.map((b) => [b, []]));
  const undefinedNames = new Map<Block, Set<string>>();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file ? files.get(d.file.fileName) : undefined;
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!file || !d.file || d.start === undefined) {
      // A problem outside the blocks (options, the package's own types): every block fails.
      for (const list of errors.values()) list.push(`TS${d.code}: ${text}`);
      continue;
    }
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    const { block, offset } = file;
    const blockLines = block.code.split('\n').length;
    const where =
      line < offset ? `prelude ${block.tag} line ${line + 1}` : line < offset + blockLines ? `README.md:${block.line + line - offset}:${character + 1}` : `check of prelude ${block.tag}`;
    // Cannot find name 'x' (2304), ... Did you mean 'y'? (2552), no value for shorthand property 'x' (18004).
    const isUndefinedName = d.code === 2304 || d.code === 2552 || d.code === 18004;
    if (isUndefinedName && line >= offset && line < offset + blockLines) {
      const name = /'([^']+)'/.exec(text)?.[1] ?? '?';
      undefinedNames.set(block, (undefinedNames.get(block) ?? new Set()).add(name));
      continue;
    }
    if (block.lang === 'ts' || isUndefinedName) errors.get(block)!.push(`${where}: TS${d.code}: ${text}`);
  }
  for (const [block, names] of undefinedNames) {
    const list = [...names].join(', ');
    errors
      .get(block)!
      .unshift(
        block.tag
          ? `${label(block)} uses ${list}, which neither it nor prelude ${block.tag} defines`
          : `${label(block)} uses ${list} without defining ${names.size > 1 ? 'them' : 'it'}: put <!-- readme-test: NAME --> right before the block in README.md and add a prelude NAME to PRELUDES in __test__/readme.spec.ts that provides ${names.size > 1 ? 'them' : 'it'} (on real data)`,
      );
  }
  return errors;
}

/** Values the block's console.log comments announce: `// [ 1, 2 ]`, `// { a: 1 }`, `// -> text`. */
function announcedOutputs(code: string): string[] {
  const out: string[] = [];
  for (const line of code.split('\n')) {
    const m = /console\.log\(.*\);?\s*\/\/\s*(.*)$/.exec(line);
    if (!m) continue;
    const comment = m[1]!.trim();
    if (comment.startsWith('->')) {
      out.push(comment.slice(2).trim());
    } else if (comment.startsWith('[') || comment.startsWith('{')) {
      // The balanced bracket prefix: `[ 1, 2 ] (note)` announces `[ 1, 2 ]`.
      let depth = 0;
      let end = comment.length;
      for (let i = 0; i < comment.length; i++) {
        const c = comment[i];
        if (c === '[' || c === '{') depth++;
        else if (c === ']' || c === '}') depth--;
        if (depth === 0) {
          end = i + 1;
          break;
        }
      }
      out.push(comment.slice(0, end));
    }
  }
  return out;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

const readme = parseReadme(readFileSync(join(root, 'README.md'), 'utf8'));
let checked: Map<Block, string[]> | undefined;
const typeErrors = (block: Block) => (checked ??= typeCheck(readme.blocks)).get(block) ?? [];

describe('README', () => {
  it('has only known code blocks, each readme-test comment naming a prelude', () => {
    expect(readme.problems).toEqual([]);
    expect(readme.blocks.length).toBeGreaterThan(1);
    // The first example's printed values stay checked.
    expect(announcedOutputs(readme.blocks[0]!.code).length).toBeGreaterThan(0);
  });

  describe.each(readme.blocks.map((b) => [label(b), b] as const))('%s', (_, block) => {
    it('type-checks against the package types', () => {
      expect(typeErrors(block), 'type errors').toEqual([]);
    });

    it('uses what its prelude provides', () => {
      const prelude = block.tag ? PRELUDES[block.tag] : undefined;
      for (const name of prelude?.provides ?? []) {
        expect(new RegExp(`\\b${name}\\b`).test(block.code), `${label(block)} does not use ${name} (from prelude ${block.tag})`).toBe(true);
      }
    });

    it(
      'runs and prints what its comments say',
      () => {
        const script = toScript(block);
        const t0 = performance.now();
        const r = runNode(script);
        const seconds = (performance.now() - t0) / 1000;
        expect(r.signal, `${label(block)} was killed after ${seconds.toFixed(0)} s`).toBeNull();
        expect(r.status, `${label(block)} failed:\n${r.stderr}`).toBe(0);
        expect(r.stderr.trim(), `${label(block)} wrote to stderr`).toBe('');
        const printed = squash(r.stdout);
        for (const value of announcedOutputs(block.code)) {
          expect(printed, `${label(block)} should print ${value}`).toContain(squash(value));
        }
      },
      130_000,
    );
  });
});
