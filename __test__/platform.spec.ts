// Loading on a platform with no prebuilt binary, or with a missing or broken one: a typed
// UnsupportedPlatformError (ERR_UNSUPPORTED_PLATFORM) naming the platform found and the supported
// ones, never the generated loader's text about npm's optional-dependency bug alone. Each case runs
// in a child process that pretends to be another platform before loading zerodl.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root, runNode } from './helpers.js';

const require = createRequire(import.meta.url);
const { currentPlatform, nativeLoadError, platformOfTriple, supportedPlatforms } = require('../dist/util/platform.js') as typeof import('../dist/util/platform.js');
const { UnsupportedPlatformError, ZerodlError } = require('../dist/errors.js') as typeof import('../dist/errors.js');

const temp = mkdtempSync(join(tmpdir(), 'zerodl-platform-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const isLinuxX64Gnu = currentPlatform() === 'linux-x64-gnu';

interface Outcome {
  loaded?: boolean;
  name?: string;
  code?: string;
  message?: string;
  isZerodlError?: boolean;
  isUnsupportedPlatformError?: boolean;
  causeMessage?: string;
  bindingLoadedByErrors?: boolean;
  [key: string]: unknown;
}

/** Runs `body` (which may throw) in a child after `pretend`, and reports what happened as JSON. */
function inChild(pretend: string, body: string, env: NodeJS.ProcessEnv = {}): Outcome {
  const script = `
    ${pretend}
    // The package's own name resolves through its "exports" (zerodl/errors loads no binding).
    const errors = require('zerodl/errors');
    const bindingLoadedByErrors = Object.keys(require.cache).some((f) => f.endsWith('binding.js') || f.endsWith('.node'));
    const report = (o) => process.stdout.write(JSON.stringify({ bindingLoadedByErrors, ...o }));
    Promise.resolve()
      .then(async () => { const extra = await (async () => { ${body} })(); report({ loaded: true, ...extra }); })
      .catch((e) => report({
        name: e.name, code: e.code, message: e.message,
        isZerodlError: e instanceof errors.ZerodlError,
        isUnsupportedPlatformError: e instanceof errors.UnsupportedPlatformError,
        causeMessage: e.cause && e.cause.message,
      }));
  `;
  const r = runNode(script, [], env);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Outcome;
}

const pretendArch = (arch: string) => `Object.defineProperty(process, 'arch', { value: ${JSON.stringify(arch)} });`;
const pretendPlatform = (platform: string) => `Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} });`;

describe('an unsupported platform', () => {
  it.each([
    ['Linux on MIPS', pretendArch('mips'), /linux-mips-(gnu|musl)/],
    ['AIX', pretendPlatform('aix'), new RegExp(`aix-${process.arch}`)],
  ])('%s: require() throws UnsupportedPlatformError naming it and the supported platforms', (_, pretend, found) => {
    const out = inChild(pretend, `require('./dist/index.js');`);
    expect(out.loaded).toBeUndefined();
    expect(out.code).toBe('ERR_UNSUPPORTED_PLATFORM');
    expect(out.name).toBe('UnsupportedPlatformError');
    expect(out.isZerodlError).toBe(true);
    expect(out.isUnsupportedPlatformError).toBe(true);
    expect(out.message).toMatch(found);
    expect(out.message).toMatch(/^zerodl has no native addon for this platform, \S+ \(Node v[\d.]+\); prebuilt platforms: linux-x64-gnu\. /);
    expect(out.message).toContain('build the addon from source with Rust');
    expect(out.message).toContain('npm run build');
    expect(out.message).not.toContain('optional dependencies'); // not the loader's advice: reinstalling cannot help
    expect(out.causeMessage).toMatch(/^Cannot find native binding/); // the loader's own error
    expect(out.bindingLoadedByErrors).toBe(false); // the error classes load without the addon
  });

  it('ESM import rejects with the same error', () => {
    const r = runNode(
      `${pretendArch('mips')}
      import('./dist/index.mjs').catch((e) => process.stdout.write(JSON.stringify({ code: e.code, name: e.name, message: e.message })));`,
      ['--input-type=module'],
    );
    const out = JSON.parse(r.stdout) as Outcome;
    expect([out.code, out.name]).toEqual(['ERR_UNSUPPORTED_PLATFORM', 'UnsupportedPlatformError']);
    expect(out.message).toMatch(/linux-mips/);
    // Node 20 also reports an error thrown by a CommonJS module an ES module imports as uncaught,
    // even when the import() is handled (nodejs/node#51603, any such module); the same error.
    if (r.status !== 0) expect(r.stderr).toMatch(/UnsupportedPlatformError: zerodl has no native addon for this platform, linux-mips/);
  });

  it('every later require() throws it again (nothing half-loaded is cached)', () => {
    const out = inChild(pretendArch('mips'), `
      const codes = [];
      for (let i = 0; i < 2; i++) try { require('./dist/index.js'); } catch (e) { codes.push(e.code); }
      return { codes };
    `);
    expect(out.codes).toEqual(['ERR_UNSUPPORTED_PLATFORM', 'ERR_UNSUPPORTED_PLATFORM']);
  });

  it('the data sets still load: zerodl/datasets does not need the addon', () => {
    const out = inChild(pretendArch('mips'), `
      const ds = require('./dist/datasets/index.js');
      return { count: ds.loadDiabetes().count, chars: ds.loadMobyDick().length > 1e6, sameClass: ds.DatasetError === errors.DatasetError };
    `);
    expect(out).toMatchObject({ loaded: true, count: 442, chars: true, sameClass: true });
  });
});

describe.skipIf(!isLinuxX64Gnu)('a supported platform whose binary does not load', () => {
  it.each([
    ['missing', join(temp, 'no-such.node'), /Cannot find module '.*no-such\.node'/],
    ['corrupt', join(temp, 'corrupt.node'), /corrupt\.node: (file too short|invalid ELF header)/],
  ])('a %s binary: UnsupportedPlatformError with the loader error as cause and message', (_, path, attempt) => {
    writeFileSync(join(temp, 'corrupt.node'), 'not a shared library');
    // The loader's documented override: load this file instead of the prebuilt binary.
    const out = inChild('', `require('./dist/index.js');`, { NAPI_RS_NATIVE_LIBRARY_PATH: path });
    expect(out.code).toBe('ERR_UNSUPPORTED_PLATFORM');
    expect(out.isUnsupportedPlatformError).toBe(true);
    expect(out.message).toMatch(/^zerodl's native addon for linux-x64-gnu could not be loaded: Cannot find native binding\. /);
    expect(out.message).toMatch(attempt); // what the loader actually tried and why it failed
    expect(out.message).not.toMatch(/wasi/); // the WASI fallback it tried is noise: no WASI build
    expect(out.message).toContain('npm run build');
    expect(out.causeMessage).toMatch(/^Cannot find native binding/);
  });
});

describe('the normal load', () => {
  it('works, and never loads the platform diagnosis', () => {
    const out = inChild('', `
      const zd = require('./dist/index.js');
      const product = zd.matmul(zd.tensor([[1, 2], [3, 4]]), zd.tensor([[5, 6], [7, 8]])).toArray();
      const diagnosis = Object.keys(require.cache).some((f) => f.endsWith('platform.js'));
      return { product, diagnosis, threads: zd.backendInfo().threads > 0 };
    `);
    expect(out).toMatchObject({ loaded: true, product: [[19, 22], [43, 50]], diagnosis: false, threads: true });
  });

  it('costs no more than the generated loader itself (within noise)', () => {
    // Each in a fresh process, alternating, best of several: the wrapper is one try/catch.
    const time = (file: string) =>
      Number(runNode(`const t = process.hrtime.bigint(); require(${JSON.stringify(file)}); process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`).stdout);
    const direct: number[] = [];
    const wrapped: number[] = [];
    for (let i = 0; i < 5; i++) {
      direct.push(time('./binding.js'));
      wrapped.push(time('./dist/native.js'));
    }
    expect(Math.min(...wrapped)).toBeLessThan(Math.min(...direct) + 5);
  });
});

describe('platform names (as napi-rs names its binaries)', () => {
  it('converts every target triple napi-rs can build as @napi-rs/cli does', () => {
    const { parseTriple } = require('@napi-rs/cli') as { parseTriple: (t: string) => { platformArchABI: string } };
    // @napi-rs/cli's AVAILABLE_TARGETS, plus the older WASI spelling.
    const triples = [
      'aarch64-apple-darwin', 'aarch64-linux-android', 'aarch64-unknown-linux-gnu', 'aarch64-unknown-linux-musl',
      'aarch64-unknown-linux-ohos', 'aarch64-pc-windows-msvc', 'aarch64-unknown-freebsd', 'x86_64-apple-darwin',
      'x86_64-pc-windows-msvc', 'x86_64-pc-windows-gnu', 'x86_64-unknown-linux-gnu', 'x86_64-unknown-linux-musl',
      'x86_64-unknown-linux-ohos', 'x86_64-unknown-freebsd', 'i686-pc-windows-msvc', 'armv7-unknown-linux-gnueabihf',
      'armv7-unknown-linux-musleabihf', 'armv7-linux-androideabi', 'universal-apple-darwin', 'loongarch64-unknown-linux-gnu',
      'riscv64gc-unknown-linux-gnu', 'powerpc64le-unknown-linux-gnu', 'powerpc64le-unknown-freebsd', 's390x-unknown-linux-gnu',
      'wasm32-wasip1', 'wasm32-wasip1-threads', 'wasm32-wasi',
    ];
    for (const t of triples) expect(platformOfTriple(t), t).toBe(parseTriple(t).platformArchABI);
    expect(platformOfTriple('x86_64-unknown-linux-gnu')).toBe('linux-x64-gnu');
  });

  it("this machine's name is the one its built binary carries", () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { napi: { binaryName: string } };
    const built = readFileSync(join(root, 'binding.js'), 'utf8').match(/require\('\.\/[\w-]+\.([\w-]+)\.node'\)/g) ?? [];
    expect(built).toContain(`require('./${pkg.napi.binaryName}.${currentPlatform()}.node')`);
  });

  it("names every platform the generated loader knows exactly as the loader's file names", () => {
    // Every (platform, arch) the loader distinguishes, pretended in a child; the loader's musl
    // variants are the -gnu names with musl (this machine's libc decides, as in the loader).
    const combos = [
      ['android', 'arm64'], ['android', 'arm'], ['win32', 'x64'], ['win32', 'ia32'], ['win32', 'arm64'],
      ['darwin', 'x64'], ['darwin', 'arm64'], ['freebsd', 'x64'], ['freebsd', 'arm64'], ['freebsd', 'ppc64'],
      ['linux', 'x64'], ['linux', 'arm64'], ['linux', 'arm'], ['linux', 'loong64'], ['linux', 'riscv64'],
      ['linux', 'ppc64'], ['linux', 's390x'], ['openharmony', 'arm64'], ['openharmony', 'x64'], ['openharmony', 'arm'],
    ];
    const r = runNode(`
      const { currentPlatform } = require('./dist/util/platform.js');
      const names = ${JSON.stringify(combos)}.map(([platform, arch]) => {
        Object.defineProperty(process, 'platform', { value: platform, configurable: true });
        Object.defineProperty(process, 'arch', { value: arch, configurable: true });
        return currentPlatform();
      });
      // MinGW-built Node on Windows x64 loads the -gnu binary.
      Object.defineProperty(process, 'platform', { value: 'win32', configurable: true });
      Object.defineProperty(process, 'arch', { value: 'x64', configurable: true });
      Object.defineProperty(process, 'config', { value: { variables: { shlib_suffix: 'dll.a' } } });
      names.push(currentPlatform());
      process.stdout.write(JSON.stringify(names));
    `);
    expect(r.status, r.stderr).toBe(0);
    const names = JSON.parse(r.stdout) as string[];
    const loaderNames = [...readFileSync(join(root, 'binding.js'), 'utf8').matchAll(/require\('\.\/zerodl\.([\w-]+)\.node'\)/g)].map((m) => m[1] as string);
    const asGnu = (n: string) => n.replace(/-musl(eabihf)?$/, '-gnu$1');
    const expected = [...new Set(loaderNames.map(asGnu))].filter((n) => n !== 'darwin-universal').sort();
    expect([...new Set(names.map(asGnu))].sort()).toEqual(expected);
  });
});

describe.skipIf(!isLinuxX64Gnu)('nativeLoadError', () => {
  const loaderError = Object.assign(new Error('Cannot find native binding. npm has a bug'), {
    cause: Object.assign(new Error("Cannot find module 'zerodl-linux-x64-gnu'\nRequire stack:\n- x"), { cause: new Error('first attempt') }),
  });
  const withTargets = (targets: unknown) => {
    const file = join(temp, `package-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ name: 'zerodl', napi: { targets } }));
    return nativeLoadError(loaderError, file);
  };

  it('reads the supported platforms from package.json napi.targets', () => {
    expect(supportedPlatforms(join(root, 'package.json'))).toEqual({ platforms: ['linux-x64-gnu'] });
    const err = withTargets(['aarch64-apple-darwin', 'x86_64-unknown-linux-musl']);
    expect(err).toBeInstanceOf(UnsupportedPlatformError);
    expect(err).toBeInstanceOf(ZerodlError);
    expect(err.code).toBe('ERR_UNSUPPORTED_PLATFORM');
    expect(err.cause).toBe(loaderError);
    expect(err.message).toMatch(/^zerodl has no native addon for this platform, linux-x64-gnu \(Node v[\d.]+\); prebuilt platforms: darwin-arm64, linux-x64-musl\. /);
  });

  it('a listed platform is a failed load, listing the attempts in the order tried, first lines only', () => {
    const err = withTargets(['x86_64-unknown-linux-gnu']);
    expect(err.message).toMatch(
      /^zerodl's native addon for linux-x64-gnu could not be loaded: Cannot find native binding\. npm has a bug Attempts: first attempt; Cannot find module 'zerodl-linux-x64-gnu'\. If reinstalling zerodl does not help, build the addon from source/,
    );
    // With a WASI build every platform has the loader's fallback.
    expect(withTargets(['aarch64-apple-darwin', 'wasm32-wasip1-threads']).message).toMatch(/could not be loaded/);
  });

  it('says when the supported platforms cannot be read', () => {
    const err = nativeLoadError(loaderError, join(temp, 'missing.json'));
    expect(err.code).toBe('ERR_UNSUPPORTED_PLATFORM');
    expect(err.message).toMatch(/^zerodl's native addon for linux-x64-gnu could not be loaded \(whether linux-x64-gnu is supported is not known: .*missing\.json cannot be read: ENOENT/);
    expect(withTargets('x86_64-unknown-linux-gnu').message).toMatch(/has no napi\.targets list/);
  });

  it('accepts what is not an Error from the loader', () => {
    expect(nativeLoadError('boom', join(root, 'package.json')).message).toMatch(/could not be loaded: boom If reinstalling/);
  });
});
