import { CustomerSyncError, type SafeCause } from '../errors/customer-sync-error.js';

/**
 * The input cannot be read as a whole (missing or unreadable file, unknown format, a CSV header problem, a JSON input
 * that is not an array): the run stops before anything is sent (the CLI exits with 2). The message names the input
 * and the column, never the input's data.
 */
export class SourceError extends CustomerSyncError {
  override name = 'SourceError' as const;
  /** The input as given: a file path, or `-` for standard input. */
  readonly input: string;

  constructor(input: string, message: string, cause?: SafeCause) {
    super('invalid', message, { cause });
    this.input = input;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), input: this.input };
  }
}

/** What is kept of a file-system error: its name, code and message (which names the path, never file content). */
export function safeCause(error: unknown): SafeCause | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  return { name: error.name, code, message: error.message };
}
