/**
 * The execution input as the CLI builds it: `--input` (JSON text or a JSON file), then the target
 * flags (`--asg-name`, `--tag`) and `--dry-run` on top, checked against the `ExecutionInput` schema
 * before anything calls AWS. Used by `asg-patcher start` and `asg-patcher run --live`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ExecutionInput, type TagFilter, type Targets } from '../schemas.ts';
import { UsageError } from './exit.ts';

/** The flags that make up an execution input. */
export interface InputFlags {
  /** `--asg-name`: groups by name. */
  asgName?: string[];
  /** `--tag KEY[=VALUE[,VALUE]]`: groups carrying the tag (with any of the values). */
  tag?: string[];
  dryRun?: boolean;
  /** `--input`: a whole execution input, JSON text or a JSON file; the flags override its fields. */
  input?: string;
}

/**
 * Builds the execution input from the flags and validates it (strict, as ResolveTargets does).
 * Returns the input as built (defaults left to the state machine); throws UsageError naming the
 * first offending field.
 */
export function buildExecutionInput(flags: InputFlags): Record<string, unknown> {
  const base = flags.input !== undefined ? parseInputOption(flags.input) : {};
  if (!isRecord(base)) throw new UsageError('--input must be a JSON object (the execution input)');
  const input: Record<string, unknown> = { ...base };
  const targets = targetsFromFlags(flags);
  if (targets) input.targets = targets;
  if (flags.dryRun) input.dryRun = true;
  const parsed = ExecutionInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : '(input)';
    throw new UsageError(
      `invalid execution input: ${field}: ${issue?.message ?? 'invalid'}` +
        (field === 'targets' && !targets ? ' (give --asg-name NAME or --tag KEY[=VALUE[,VALUE]])' : ''),
    );
  }
  return input;
}

function targetsFromFlags(flags: InputFlags): Targets | undefined {
  const names = flags.asgName ?? [];
  const tags = flags.tag ?? [];
  if (names.length > 0 && tags.length > 0) {
    throw new UsageError(
      'give either --asg-name or --tag, not both (a run targets groups by name or by tag)',
    );
  }
  if (names.length > 0) return { asgNames: names };
  if (tags.length > 0) return { tags: tags.map(parseTag) };
  return undefined;
}

/** `KEY` (any value), `KEY=VALUE` or `KEY=VALUE1,VALUE2` (any of the values). */
export function parseTag(text: string): TagFilter {
  const at = text.indexOf('=');
  if (at < 0) return { key: text };
  return { key: text.slice(0, at), values: text.slice(at + 1).split(',') };
}

/** `--input`: JSON text when it starts with `{`, otherwise the path of a JSON file. */
export function parseInputOption(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`--input is not valid JSON: ${errorText(error)}`);
    }
  }
  return readJsonFile(value, '--input');
}

export function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) throw new UsageError(`${what} file ${path} does not exist`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${what} file ${path} is not valid JSON: ${errorText(error)}`);
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
