/**
 * Typed errors. Every error zerodl throws is a {@link ZerodlError} with a stable `code`; switch on
 * `err.code` (or use `instanceof` with the subclasses) rather than parsing messages.
 */

/** The stable error codes. */
export type ErrorCode =
  | 'ERR_SHAPE_MISMATCH'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_NON_FINITE'
  | 'ERR_BAD_MODEL_FILE'
  | 'ERR_DISPOSED'
  | 'ERR_OUT_OF_MEMORY'
  | 'ERR_DATASET'
  | 'ERR_ABORTED'
  | 'ERR_UNSUPPORTED_PLATFORM'
  | 'ERR_IO'
  | 'ERR_STATE_DICT_MISMATCH'
  | 'ERR_INTERNAL';

export class ZerodlError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Two shapes that must agree do not; the message names both. */
export class ShapeMismatchError extends ZerodlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SHAPE_MISMATCH', message, options);
  }
}

/** An argument is of the wrong type or out of its domain. */
export class InvalidArgumentError extends ZerodlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_ARGUMENT', message, options);
  }
}

/** A value that must be finite is NaN or infinite. */
export class NonFiniteError extends ZerodlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_NON_FINITE', message, options);
  }
}

/** A model file is corrupt or not a zerodl file. */
export class BadModelFileError extends ZerodlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_BAD_MODEL_FILE', message, options);
  }
}

/** A tensor was used after `dispose()`. */
export class DisposedError extends ZerodlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DISPOSED', message, options);
  }
}

/**
 * A data set cannot be loaded: a package it needs is not installed, or its file is missing,
 * unreadable or corrupt. The message names the package to install or the file and its fault.
 */
export class DatasetError extends ZerodlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DATASET', message, options);
  }
}

/**
 * Work was stopped by an AbortSignal (e.g. `fit({ signal })`); `cause` is the signal's reason.
 * Named 'AbortError', as Node's and the DOM's abort errors are.
 */
export class AbortError extends ZerodlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_ABORTED', message, options);
  }
}

/**
 * zerodl's native addon cannot be loaded here: there is no prebuilt binary for this platform
 * (the message names it and the supported ones), or the binary for it is missing or does not
 * load (`cause` holds the loader's error). Thrown by `require('zerodl')` / `import 'zerodl'`.
 */
export class UnsupportedPlatformError extends ZerodlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_UNSUPPORTED_PLATFORM', message, options);
  }
}

/**
 * A buffer whose size comes from the input (a tensor's shape, a product's result, a layer's
 * weights...) is over the per-buffer limit, or the system refused it. The message names the size
 * asked for and the limit; nothing was allocated and the process carries on. The limit defaults
 * to half of the memory the process may use; `ZERODL_MAX_TENSOR_BYTES` or `setMaxTensorBytes()`
 * change it.
 */
export class OutOfMemoryError extends ZerodlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_OUT_OF_MEMORY', message, options);
  }
}

/** Reading or writing a file failed (no such file, no permission, disk full...); `cause` holds the system error. */
export class IoError extends ZerodlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_IO', message, options);
  }
}

/**
 * `loadStateDict()` under `strict: true` found names that do not match the model, as PyTorch's
 * `load_state_dict` reports them: `missingKeys` (the model's, absent from the file) and
 * `unexpectedKeys` (the file's, unknown to the model).
 */
export class StateDictMismatchError extends ZerodlError {
  readonly missingKeys: string[];
  readonly unexpectedKeys: string[];
  constructor(message: string, options?: { cause?: unknown; missingKeys?: string[]; unexpectedKeys?: string[] }) {
    super('ERR_STATE_DICT_MISMATCH', message, options);
    this.missingKeys = options?.missingKeys ?? [];
    this.unexpectedKeys = options?.unexpectedKeys ?? [];
  }
}

/** A bug in zerodl (for example a Rust panic caught at the boundary). Please report it. */
export class InternalError extends ZerodlError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INTERNAL', message, options);
  }
}

const classes: Record<ErrorCode, new (message: string, options?: { cause?: unknown }) => ZerodlError> = {
  ERR_SHAPE_MISMATCH: ShapeMismatchError,
  ERR_INVALID_ARGUMENT: InvalidArgumentError,
  ERR_NON_FINITE: NonFiniteError,
  ERR_BAD_MODEL_FILE: BadModelFileError,
  ERR_DISPOSED: DisposedError,
  ERR_OUT_OF_MEMORY: OutOfMemoryError,
  ERR_DATASET: DatasetError,
  ERR_ABORTED: AbortError,
  ERR_UNSUPPORTED_PLATFORM: UnsupportedPlatformError,
  ERR_IO: IoError,
  ERR_STATE_DICT_MISMATCH: StateDictMismatchError,
  ERR_INTERNAL: InternalError,
};

// napi-rs's own statuses for a JS value that could not be converted to the Rust parameter type.
const argumentStatuses = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
  'DetachableArraybufferExpected',
]);

/** Converts whatever the native side threw into the matching typed error. */
export function toZerodlError(err: unknown): Error {
  if (err instanceof ZerodlError || !(err instanceof Error)) {
    return err instanceof Error ? err : new InternalError(String(err));
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code in classes) {
    return new classes[code as ErrorCode](err.message, { cause: err });
  }
  if (typeof code === 'string' && argumentStatuses.has(code)) {
    return new InvalidArgumentError(err.message, { cause: err });
  }
  // Our own errors always carry an ERR_ code; anything else from the native side (a panic caught
  // by napi-rs's catch_unwind arrives as GenericFailure) is a bug in zerodl.
  if (typeof code === 'string') {
    return new InternalError(`internal error (a bug in zerodl, please report it): ${err.message}`, { cause: err });
  }
  return err;
}

/**
 * Runs a native call, rethrowing its errors as typed zerodl errors; `where` (e.g. "tensor()")
 * prefixes messages from native code that does not know which call it serves.
 */
export function callNative<T>(f: () => T, where?: string): T {
  try {
    return f();
  } catch (err) {
    const e = toZerodlError(err);
    if (where !== undefined && e instanceof ZerodlError && !e.message.startsWith(where)) e.message = `${where}: ${e.message}`;
    throw e;
  }
}

/** Awaits a native promise, rejecting with typed zerodl errors. */
export async function awaitNative<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw toZerodlError(err);
  }
}
