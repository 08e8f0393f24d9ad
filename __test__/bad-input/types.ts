// The bad-input suite's case format (issue 17, item 8). Cases are data: JS source run in a child
// process (see child.cjs), so a case that crashes the process fails alone, and adding one is
// adding a row to its area's table.

import type { ErrorCode } from '../../dist/errors.js';

export type { ErrorCode };

/** The class each code must come as (`err.constructor.name`, which is also `err.name`). */
export const CLASS_OF: Record<ErrorCode, string> = {
  ERR_SHAPE_MISMATCH: 'ShapeMismatchError',
  ERR_INVALID_ARGUMENT: 'InvalidArgumentError',
  ERR_NON_FINITE: 'NonFiniteError',
  ERR_BAD_MODEL_FILE: 'BadModelFileError',
  ERR_DISPOSED: 'DisposedError',
  ERR_OUT_OF_MEMORY: 'OutOfMemoryError',
  ERR_DATASET: 'DatasetError',
  ERR_ABORTED: 'AbortError',
  ERR_UNSUPPORTED_PLATFORM: 'UnsupportedPlatformError',
  ERR_IO: 'IoError',
  ERR_STATE_DICT_MISMATCH: 'StateDictMismatchError',
  ERR_INTERNAL: 'InternalError',
};

interface BaseCase {
  /** Unique across the whole suite; failures name it. */
  name: string;
  /**
   * JS source run in the child with `zd` (the package), `h` (helpers, see child.cjs) and
   * `datasets` (zerodl/datasets) in scope: an expression (`zd.zeros([2, -3])`), or a function
   * body in braces (`{ const t = ...; return t.toArray(); }`). A returned promise is awaited;
   * source containing `await` runs as an async function.
   */
  code: string;
  /**
   * Run in a process of its own: for calls that can only crash or be OOM-killed if the library
   * is wrong (huge allocations). Such a child lowers the per-buffer limit to 8 GiB first when
   * the machine's default would allow a 40 GB buffer, so the huge shapes stay over it.
   */
  isolate?: boolean;
}

/** A bad input: must throw (or reject with) a typed zerodl error. */
export interface ErrorCase extends BaseCase {
  expect: {
    code: ErrorCode;
    /** The class, when not the one of `code` (see CLASS_OF). */
    cls?: string;
    /** The message must name what came (the bad value, key, shape...). */
    came: RegExp;
    /** ...and what was expected. */
    expected: RegExp;
  };
}

/** A valid edge input (an empty batch): must return, with this shape or length. */
export interface ReturnCase extends BaseCase {
  returns: {
    /** The returned Tensor's shape. */
    shape?: number[];
    /** The returned Float32Array's length. */
    length?: number;
  };
}

export type Case = ErrorCase | ReturnCase;

export interface Area {
  /** Shown in the test names, e.g. 'tensors'. */
  name: string;
  cases: Case[];
}

export function isErrorCase(c: Case): c is ErrorCase {
  return 'expect' in c;
}

// ---- What the child reports (one JSON line each, after a marker) --------------------------------

export interface StartLine {
  type: 'start';
  name: string;
}

export interface EndLine {
  type: 'end';
  name: string;
  thrown: boolean;
  /** 'sync': thrown by the call; 'async': a rejected promise. */
  via?: 'sync' | 'async';
  timedOut?: boolean;
  /** The case's source did not compile (a bug in the case, not the library). */
  harnessError?: string;
  isZerodlError?: boolean;
  code?: unknown;
  className?: string;
  errName?: string;
  message?: string;
  /** What a call that did not throw returned. */
  value?: { tensor?: number[] | 'disposed'; float32Array?: number; json?: string };
  ms: number;
}

export interface ProbeLine {
  type: 'probe';
  name: string;
  ok: boolean;
  error?: string;
}

export interface EventLine {
  type: 'unhandled';
  /** The case running (or last run) when it happened. */
  name: string | null;
  kind: 'unhandledRejection' | 'uncaughtException';
  message: string;
}

export interface DoneLine {
  type: 'done';
}

export type ChildLine = StartLine | EndLine | ProbeLine | EventLine | DoneLine;
