/**
 * A sender's or user's mistake, with a message they can act on: answered as 400 by the webhooks,
 * shown as a one-line reason by the CLI, never as a stack trace.
 */
export class ValidationError extends Error {
  readonly code = 'INVALID_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** A command line the CLI cannot run: wrong arguments, an unknown command or file kind. Exit status 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
