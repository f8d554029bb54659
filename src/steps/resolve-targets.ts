import type * as z from 'zod/mini';
import type { GeneratedValidator } from '../contracts/parse-input.ts';
import * as checks from '../contracts/validators.generated.mjs';
import { InputValidationError } from '../errors.ts';
import type {
  ExecutionInput,
  ResolveTargetsInput,
  ResolveTargetsOutput,
  RunSettings,
  WaitMode,
} from '../schemas.ts';

export interface ResolveTargetsOptions {
  /**
   * The wait mode of a run whose input names none: the deployment's (`events` where it deployed the
   * EventBridge rule that completes the waits, serverless.yml's `refreshEvents` param).
   */
  defaultWaitMode: WaitMode;
}

/**
 * Validates the execution input and applies its defaults: the run's settings, and its targets as
 * given. Makes no AWS call: LookupLaunchTemplate lists the targets as it reads them
 * (src/steps/lib/list-targets.ts), so no group is described twice, and the state never carries a
 * list of every targeted group (there is no cap on how many: the plan lives in the run ledger).
 * @throws InputValidationError (names each bad field)
 */
export async function resolveTargets(
  input: ResolveTargetsInput,
  options: ResolveTargetsOptions = { defaultWaitMode: 'polling' },
): Promise<ResolveTargetsOutput> {
  const parsed = await parseExecutionInput(input.input);
  if ('issues' in parsed) throw new InputValidationError(parsed.issues);
  const execution = parsed.data;
  const waitMode = execution.waitMode ?? options.defaultWaitMode;
  const waitIntervalSeconds =
    waitMode === 'events' ? execution.backstopSeconds : execution.pollIntervalSeconds;

  const settings: RunSettings = {
    runId: input.runId,
    dryRun: execution.dryRun,
    force: execution.force,
    patch: execution.patch,
    refreshPreferences: execution.refreshPreferences,
    untargetedSharers: execution.untargetedSharers,
    maxConcurrency: execution.maxConcurrency,
    pollIntervalSeconds: execution.pollIntervalSeconds,
    maxWaitSeconds: execution.maxWaitSeconds,
    waitMode,
    backstopSeconds: execution.backstopSeconds,
    waitIntervalSeconds,
    maxPolls: Math.ceil(execution.maxWaitSeconds / waitIntervalSeconds),
    ...(execution.pruneVersions ? { pruneVersions: execution.pruneVersions } : {}),
  };

  return { settings, targets: execution.targets };
}

/**
 * The execution input with its defaults applied. The generated validator (the same contract as
 * zod's ExecutionInput, compiled ahead of time) decides, on a copy, since it fills defaults in
 * place. Only a refusal loads zod, to name each bad field: building zod's schemas costs a cold
 * start about 8 ms, 1.13x the Auto Scaling client's own load (npm run bench).
 */
async function parseExecutionInput(raw: unknown): Promise<{ data: ExecutionInput } | { issues: string[] }> {
  const copy = structuredClone(raw);
  if ((checks.ExecutionInput as GeneratedValidator)(copy)) return { data: copy as ExecutionInput };
  const { ExecutionInput: schema } = await import('./lib/execution-input-schema.ts');
  const parsed = schema.safeParse(raw);
  // zod has the last word; contracts.test holds the two to the same verdicts and defaults.
  return parsed.success ? { data: parsed.data } : { issues: describeIssues(parsed.error.issues) };
}

/** One line per problem, each naming the field path: `refreshPreferences.minHealthyPercentage: ...`. */
function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map(
        (key) => `${formatPath([...path, key])}: unknown field (not in the input schema)`,
      );
    }
    if (issue.code === 'invalid_union') {
      const alternatives = issue.errors.map((branch) => describeIssues(branch, path).join(', '));
      return [`${formatPath(path)}: matches no accepted shape (${alternatives.join('; or ')})`];
    }
    return [`${formatPath(path)}: ${issue.message}`];
  });
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(input)';
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return text ? `${text}.${String(part)}` : String(part);
  }, '');
}
