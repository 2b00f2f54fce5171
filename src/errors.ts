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
