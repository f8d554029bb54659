/** Exit codes and the usage error shared by the CLI's commands. */

/** Exit codes: the execution succeeded (or matched the scenario's expectation), failed, bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Bad command line, scenario or execution input: exit code 2, message only (no stack). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Where a command writes; tests pass arrays. */
export interface Output {
  log: (line: string) => void;
  error: (line: string) => void;
}

/** The console, for the real command line. */
export const consoleOutput: Output = { log: console.log, error: console.error };
