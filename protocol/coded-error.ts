/**
 * The errors of our modules: a stable code to act on, a message for people, and (for the protocol's
 * own) details naming the field. Each module subclasses one with its own name and list of codes.
 */
export class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The same, with the code leading the message: for errors that reach logs only by their message. */
export class PrefixedCodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}
