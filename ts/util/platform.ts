/**
 * What a failed load of the native addon means: no prebuilt binary for this platform, or a
 * binary that should be there but is missing or does not load. Platform names are napi-rs's
 * (`linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`, ...), computed as the generated loader
 * (binding.js) computes them. Loaded only once loading has failed: the normal load costs nothing.
 * @internal
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnsupportedPlatformError } from '../errors.js';

// From @napi-rs/cli's parseTriple (src/utils/target.ts).
const CPU_TO_NODE_ARCH: Record<string, string> = {
  x86_64: 'x64',
  aarch64: 'arm64',
  i686: 'ia32',
  armv7: 'arm',
  loongarch64: 'loong64',
  riscv64gc: 'riscv64',
  powerpc64le: 'ppc64',
  powerpc64: 'ppc64',
};
const SYS_TO_NODE_PLATFORM: Record<string, string> = { linux: 'linux', freebsd: 'freebsd', darwin: 'darwin', windows: 'win32', ohos: 'openharmony' };
const SUB_SYSTEMS = new Set(['android', 'ohos']);
const WASI_TRIPLES: Record<string, string> = {
  'wasm32-wasi': 'wasm32-wasi',
  'wasm32-wasi-preview1-threads': 'wasm32-wasi',
  'wasm32-wasip1-threads': 'wasm32-wasi',
  'wasm32-wasip1': 'wasm32-wasip1',
};

/**
 * napi-rs's platform name for a Rust target triple, as in its package names:
 * `x86_64-unknown-linux-gnu` -> `linux-x64-gnu`, `aarch64-apple-darwin` -> `darwin-arm64`,
 * `armv7-linux-androideabi` -> `android-arm-eabi`.
 */
export function platformOfTriple(triple: string): string {
  const wasi = WASI_TRIPLES[triple];
  if (wasi !== undefined) return wasi;
  const parts = (triple.endsWith('eabi') ? `${triple.slice(0, -4)}-eabi` : triple).split('-');
  let cpu: string | undefined;
  let sys: string | undefined;
  let abi: string | undefined;
  if (parts.length === 2) [cpu, sys] = parts;
  else [cpu, , sys, abi] = parts;
  if (abi !== undefined && SUB_SYSTEMS.has(abi)) {
    sys = abi;
    abi = undefined;
  }
  const platform = SYS_TO_NODE_PLATFORM[sys ?? ''] ?? sys;
  const arch = CPU_TO_NODE_ARCH[cpu ?? ''] ?? cpu;
  return abi ? `${platform}-${arch}-${abi}` : `${platform}-${arch}`;
}

/** The loader's musl test: /usr/bin/ldd, then Node's own report (no child process here). */
function isMusl(): boolean {
  try {
    return readFileSync('/usr/bin/ldd', 'utf8').includes('musl');
  } catch {
    // fall through
  }
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string }; sharedObjects?: string[] } | undefined;
    if (!report || report.header?.glibcVersionRuntime) return false;
    return (report.sharedObjects ?? []).some((f) => f.includes('libc.musl-') || f.includes('ld-musl-'));
  } catch {
    return false;
  }
}

/** This process's platform, named as the loader names the binary it looks for. */
export function currentPlatform(): string {
  const { platform, arch } = process;
  switch (platform) {
    case 'android':
      return arch === 'arm' ? 'android-arm-eabi' : `android-${arch}`;
    case 'win32': {
      if (arch === 'x64') {
        const vars = (process.config?.variables ?? {}) as { shlib_suffix?: string; node_target_type?: string };
        return vars.shlib_suffix === 'dll.a' || vars.node_target_type === 'shared_library' ? 'win32-x64-gnu' : 'win32-x64-msvc';
      }
      return arch === 'ia32' || arch === 'arm64' ? `win32-${arch}-msvc` : `win32-${arch}`;
    }
    case 'linux': {
      if (arch === 'ppc64' || arch === 's390x') return `linux-${arch}-gnu`;
      const libc = isMusl() ? 'musl' : 'gnu';
      return arch === 'arm' ? `linux-arm-${libc}eabihf` : `linux-${arch}-${libc}`;
    }
    default:
      return `${platform}-${arch}`;
  }
}

/** The platforms of the package.json's `napi.targets`, or why they cannot be read. */
export function supportedPlatforms(packageJson: string): { platforms: string[] } | { error: string } {
  try {
    const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { napi?: { targets?: unknown } };
    const targets = pkg.napi?.targets;
    if (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string')) return { error: `${packageJson} has no napi.targets list` };
    return { platforms: targets.map(platformOfTriple) };
  } catch (err) {
    return { error: `${packageJson} cannot be read: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Whether the loader can find a binary for `platform` among `supported` ones. */
function covers(supported: string[], platform: string): boolean {
  return (
    supported.includes(platform) ||
    (platform.startsWith('darwin-') && supported.includes('darwin-universal')) ||
    // A WASI build is the loader's fallback on any platform.
    supported.some((p) => p.startsWith('wasm32-'))
  );
}

/** The first lines of an error and its causes, outermost first, without repeats. */
function messages(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; depth < 12 && e !== undefined && e !== null; depth++) {
    const line = (e instanceof Error ? e.message : String(e)).split('\n')[0]?.trim() ?? '';
    if (line && !out.includes(line)) out.push(line);
    e = e instanceof Error ? e.cause : undefined;
  }
  return out;
}

const BUILD_FROM_SOURCE =
  'build the addon from source with Rust (https://rustup.rs): in a checkout of the zerodl repository, ' +
  '`npm install && npm run build` builds it for this machine; then install that folder (`npm install <path to the checkout>`)';

/**
 * The typed error for a failed `require` of the generated loader (`err`): what was found, what
 * is supported, what to do. `packageJson` is zerodl's own package.json.
 */
export function nativeLoadError(err: unknown, packageJson: string): UnsupportedPlatformError {
  const platform = currentPlatform();
  const supported = supportedPlatforms(packageJson);
  if ('platforms' in supported && !covers(supported.platforms, platform)) {
    return new UnsupportedPlatformError(
      `zerodl has no native addon for this platform, ${platform} (Node ${process.version}); ` +
        `prebuilt platforms: ${supported.platforms.join(', ')}. To use zerodl here, ${BUILD_FROM_SOURCE}.`,
      { cause: err },
    );
  }
  // The loader chains its attempts innermost-first: list them in the order they were tried.
  const [loader, ...all] = messages(err);
  // Without a WASI target, the loader's WASI fallback attempts are noise.
  const wasi = 'platforms' in supported && supported.platforms.some((p) => p.startsWith('wasm32-'));
  const attempts = wasi ? all : all.filter((m) => !/wasi|wasm32/.test(m));
  const tried = attempts.length > 0 ? ` Attempts: ${attempts.reverse().join('; ')}.` : '';
  const unknown = 'error' in supported ? ` (whether ${platform} is supported is not known: ${supported.error})` : '';
  return new UnsupportedPlatformError(
    `zerodl's native addon for ${platform} could not be loaded${unknown}: ${loader ?? 'unknown error'}${tried} ` +
      `If reinstalling zerodl does not help, ${BUILD_FROM_SOURCE}.`,
    { cause: err },
  );
}
