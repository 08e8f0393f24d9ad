// The prebuilt-binary path, for real: pack the root package and the linux-x64-gnu platform
// package, install both tarballs into an empty directory with no Rust toolchain on PATH, and use
// zerodl there from CommonJS, ESM and TypeScript. Nothing may compile or download at install.
//
// Mirrors a publish: `napi create-npm-dirs` writes npm/<platform>/package.json, the .node file is
// copied in, and the root gets exact-version optionalDependencies (what `napi pre-publish` adds).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { npm, output, root, run } from './lib.mjs';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const platform = 'linux-x64-gnu';
const binary = `${pkg.napi.binaryName}.${platform}.node`;
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`install test: skipped (it checks the ${platform} package; this is ${process.platform}-${process.arch})`);
  process.exit(0);
}
if (!existsSync(join(root, binary)) || !existsSync(join(root, 'dist', 'index.js'))) {
  console.error(`install test: build first (npm run build): ${binary} or dist/ is missing`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'zerodl-install-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);

// 1. The platform package.
run(npm, ['exec', '--', 'napi', 'create-npm-dirs']);
const platformDir = join(root, 'npm', platform);
cpSync(join(root, binary), join(platformDir, binary));
run(npm, ['pack', '--pack-destination', tarballs], { cwd: platformDir });

// 2. The root package, staged with its optionalDependencies as a publish would write them.
const stage = join(work, 'stage');
mkdirSync(stage);
for (const f of [...pkg.files, 'README.md']) if (existsSync(join(root, f))) cpSync(join(root, f), join(stage, f), { recursive: true });
const staged = { ...pkg, optionalDependencies: { [`${pkg.name}-${platform}`]: pkg.version } };
delete staged.scripts;
delete staged.devDependencies;
writeFileSync(join(stage, 'package.json'), JSON.stringify(staged, null, 2));
run(npm, ['pack', '--pack-destination', tarballs], { cwd: stage });

const tgz = readdirSync(tarballs).map((f) => join(tarballs, f));
const rootTgz = tgz.find((f) => !f.includes(platform));
const listing = output('tar', ['tzf', rootTgz]);
if (/\.node$/m.test(listing)) throw new Error(`the root tarball must not carry a .node file:\n${listing}`);

// 3. An empty consumer project, no Rust toolchain on PATH. zerodl's own packages come from the
// tarballs; npm may fetch only its npm dependencies' metadata from the registry (prefer-offline:
// a fresh machine's cache holds their tarballs, from the project's lock-file install, but not the
// registry documents npm needs to resolve them for a new project, so --offline failed there with
// ENOTCACHED). Nothing else may be fetched: no build, no binary download.
const consumer = join(work, 'consumer');
mkdirSync(consumer);
writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
const noRust = process.env.PATH.split(delimiter)
  .filter((d) => !existsSync(join(d, 'cargo')) && !existsSync(join(d, 'rustc')))
  .join(delimiter);
const env = { ...process.env, PATH: noRust, NAPI_RS_ENFORCE_VERSION_CHECK: '1' };
delete env.CARGO_HOME;
delete env.RUSTUP_HOME;
run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tgz], { cwd: consumer, env });
if (existsSync(join(consumer, 'node_modules', pkg.name, binary))) throw new Error('the binary must come from the platform package');

// 4. Use it from CommonJS, ESM and TypeScript.
writeFileSync(
  join(consumer, 'cjs.cjs'),
  `const zd = require('zerodl');
const c = zd.matmul(zd.tensor([[1, 2], [3, 4]]), zd.tensor([[5, 6], [7, 8]]));
if (JSON.stringify(c.toArray()) !== '[[19,22],[43,50]]') throw new Error('wrong product ' + c.toArray());
try { zd.matmul(zd.zeros([2, 3]), zd.zeros([2, 3])); throw new Error('no error'); }
catch (e) { if (!(e instanceof zd.ShapeMismatchError)) throw e; }
const { loadDiabetes } = require('zerodl/datasets'); // the data files ship in the package
if (loadDiabetes().count !== 442) throw new Error('diabetes data missing');
console.log('cjs ok', require.resolve('${pkg.name}-${platform}'));
`,
);
writeFileSync(
  join(consumer, 'esm.mjs'),
  `import { matmulAsync, randn, sum, Tensor } from 'zerodl';
const a = randn([64, 64], { seed: 1 });
const c = await matmulAsync(a, a);
if (!(c instanceof Tensor) || c.shape.join() !== '64,64') throw new Error('bad async result');
console.log('esm ok', sum(c).toArray() !== 0);
`,
);
writeFileSync(
  join(consumer, 'typed.mts'),
  `import { tensor, matmul, type Tensor, type ErrorCode } from 'zerodl';
const t: Tensor = matmul(tensor([[1, 2]]), tensor([[3], [4]]), { transposeA: false });
const shape: readonly number[] = t.shape;
const code: ErrorCode = 'ERR_SHAPE_MISMATCH';
console.log(shape, code);
`,
);
writeFileSync(
  join(consumer, 'tsconfig.json'),
  JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: [] }, files: ['typed.mts'] }),
);
run(process.execPath, ['cjs.cjs'], { cwd: consumer, env });
run(process.execPath, ['esm.mjs'], { cwd: consumer, env });
run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: consumer, env });

rmSync(work, { recursive: true, force: true });
console.log('\n✓ install test passed: the prebuilt binary installs and runs from CJS, ESM and TypeScript');
