/**
 * `parseInput`: a Task handler's event checked against its state's contract before the step sees
 * it, so a contract bug between states fails as `StateInputError` (a name the ASL and an operator
 * can read), not a bare validator error, and before any AWS call. A function the handler calls, not
 * a middy middleware: middy's types cannot say that a middleware turned `unknown` into the input type.
 */
import { StateInputError } from '../errors.ts';

/** An Ajv standalone validator (validators.generated.mjs): true, or false with `errors` set. */
export interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}

/** At most this many problems are named in one error (Ajv stops at the first; kept for safety). */
const MAX_ISSUES = 5;

/**
 * Checks `event` with `validate` and returns it typed as the schema's output. The generated
 * validator fills in defaults as zod's parse would (useDefaults); it never copies values into its
 * messages, so no customer data reaches the error.
 */
export function parseInput<T>(state: string, validate: GeneratedValidator, event: unknown): T {
  if (validate(event)) return event as T;
  throw new StateInputError(state, issuesOf(validate));
}

/** What the last failed call of `validate` found, as `<path> <rule>` (`/groups/0/action must be ...`). */
export function issuesOf(validate: GeneratedValidator, root = '(input)'): string[] {
  return (validate.errors ?? [])
    .slice(0, MAX_ISSUES)
    .map((e) => `${e.instancePath || root} ${e.message ?? 'is invalid'}`);
}
