/**
 * Typed errors. Every error the SDK throws is a MedinferError with a literal `code`, so callers
 * (and the batch CLI's errors.jsonl) can branch on the code instead of parsing messages.
 * Messages name the file / model / provider and the cause; they never contain patient identifiers.
 */

export type ErrorCode =
  | 'E_USAGE'
  | 'E_MANIFEST'
  | 'E_MODEL_FILE'
  | 'E_INTEGRITY'
  | 'E_DECODE'
  | 'E_UNSUPPORTED'
  | 'E_PROVIDER'
  | 'E_SHAPE'
  | 'E_LIMIT'
  | 'E_INPUT'
  | 'E_HTTP'
  | 'E_NETWORK'
  | 'E_MISSING_PACKAGE'
  | IoErrorCode;

/**
 * File-system faults, one code per thing a user does differently about it (see io-error.ts for
 * the errno mapping): free space, mount a writable location, fix permissions, pick a path that is
 * not a file, create the missing folder, or (E_IO) look at the message.
 */
export type IoErrorCode =
  /** ENOSPC / EDQUOT: the disk or quota is full. */
  | 'E_IO_NO_SPACE'
  /** EROFS: the location is on a read-only file system. */
  | 'E_IO_READ_ONLY'
  /** EACCES / EPERM: the process may not read or write there. */
  | 'E_IO_PERMISSION'
  /** ENOTDIR / EEXIST / EISDIR: a folder was needed where a file is (or the other way round). */
  | 'E_IO_NOT_A_FOLDER'
  /** ENOENT: a file or folder that had to exist does not (or a dangling symlink). */
  | 'E_IO_NOT_FOUND'
  /** Any other errno (EIO, EMFILE, ENAMETOOLONG ...): the message names it. */
  | 'E_IO';

export interface ErrorDetails {
  /** File, URL or input name the error is about (never a patient identifier). */
  readonly file?: string;
  /** Anything else useful for debugging: expected/actual values, field names. */
  readonly [key: string]: unknown;
}

export abstract class MedinferError extends Error {
  abstract readonly code: ErrorCode;
  /**
   * The class name as a string literal in each subclass, never `constructor.name`: minifiers
   * rename classes (a production bundle showed every error as `_`), and callers match on `name`.
   */
  abstract override readonly name: string;
  readonly details: ErrorDetails;

  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.details = details;
  }

  /** Plain object for logs and errors.jsonl. */
  toJSON(): { name: string; code: ErrorCode; message: string; details: ErrorDetails } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/**
 * The base of an error class with a fixed name and code: each class below is one line, and its
 * `name` is a string literal (see MedinferError.name) rather than the minifiable class name.
 */
function errorKind<N extends string, C extends ErrorCode>(name: N, code: C) {
  return class extends MedinferError {
    override readonly name: N = name;
    readonly code: C = code;
  };
}

/** Bad arguments or options from the caller (CLI usage errors map to exit code 2). */
export class UsageError extends errorKind('UsageError', 'E_USAGE') {}

/** The manifest (or a model entry) is invalid or does not contain what was asked for. */
export class ManifestError extends errorKind('ManifestError', 'E_MANIFEST') {}

/** A model file is missing or unreadable. */
export class ModelFileError extends errorKind('ModelFileError', 'E_MODEL_FILE') {}

/** A file's sha256 does not match the manifest: nothing is run. */
export class IntegrityError extends errorKind('IntegrityError', 'E_INTEGRITY') {}

/** A medical file could not be decoded (truncated, corrupt, not the claimed format). */
export class DecodeError extends errorKind('DecodeError', 'E_DECODE') {}

/** A valid file that uses something this SDK deliberately does not decode (e.g. 12-bit JPEG). */
export class UnsupportedError extends errorKind('UnsupportedError', 'E_UNSUPPORTED') {}

/** An execution provider is unavailable, failed, or produced unusable output. */
export class ProviderError extends errorKind('ProviderError', 'E_PROVIDER') {
  readonly provider: string;
  constructor(provider: string, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, { ...details, provider }, options);
    this.provider = provider;
  }
}

/** Tensor / volume shapes or dtypes do not match what is expected. */
export class ShapeError extends errorKind('ShapeError', 'E_SHAPE') {}

/** An input is over a configured limit (voxels, bytes, dimensions): refused before allocating. */
export class LimitError extends errorKind('LimitError', 'E_LIMIT') {}

/** An input is valid but not suitable here (wrong modality, dimensionality, task). */
export class InputError extends errorKind('InputError', 'E_INPUT') {}

/**
 * A file-system operation failed. `details.file` is the path, `details.op` what was being done
 * (write, mkdir, read ...), `details.errno` the system code. Built by `toIoError` (io-error.ts).
 */
export class IoError extends MedinferError {
  override readonly name = 'IoError' as const;
  readonly code: IoErrorCode;
  constructor(
    code: IoErrorCode,
    message: string,
    details: ErrorDetails & { readonly file: string; readonly op: string; readonly errno?: string },
    options?: { cause?: unknown },
  ) {
    super(message, details, options);
    this.code = code;
  }
}

/**
 * A server answered with an HTTP error status (or a DICOMweb response that reports failure, such as
 * a STOW-RS FailedSOPSequence). `url` never carries credentials or a query string (QIDO queries
 * may hold patient attributes); `status` is the HTTP status.
 */
export class HttpError extends errorKind('HttpError', 'E_HTTP') {
  readonly status: number;
  readonly url: string;
  constructor(url: string, status: number, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, { ...details, url, status }, options);
    this.status = status;
    this.url = url;
  }
}

/** A request got no HTTP answer: connection refused or reset, DNS failure, timeout, abort. */
export class NetworkError extends errorKind('NetworkError', 'E_NETWORK') {
  readonly url: string;
  constructor(url: string, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, { ...details, url }, options);
    this.url = url;
  }
}

/**
 * An optional peer package the called feature needs is not installed (onnxruntime-node for Node
 * inference, sharp for PNG / JPEG in Node, onnxruntime-web, bullmq). `details.package` names it and
 * `details.install` is the npm command that installs the tested version range.
 */
export class MissingPackageError extends errorKind('MissingPackageError', 'E_MISSING_PACKAGE') {}

export function isMedinferError(value: unknown): value is MedinferError {
  return value instanceof MedinferError;
}

/** Short description of any thrown value, for wrapping foreign errors as a cause. */
export function describeError(value: unknown): string {
  if (value instanceof Error) return value.message;
  return String(value);
}
