import type { AutoScalingGroup, Filter } from '@aws-sdk/client-auto-scaling';
import type * as z from 'zod/mini';
import type { AwsDeps } from '../clients.ts';
import type { GeneratedValidator } from '../contracts/parse-input.ts';
import * as checks from '../contracts/validators.generated.mjs';
import { InputValidationError, NoTargetsFoundError } from '../errors.ts';
import type {
  ExecutionInput,
  ResolveTargetsInput,
  ResolveTargetsOutput,
  RunSettings,
  TagFilter,
  WaitMode,
} from '../schemas.ts';
import { listGroups } from './lib/describe-group.ts';

export interface ResolveTargetsOptions {
  /**
   * The wait mode of a run whose input names none: the deployment's (`events` where it deployed the
   * EventBridge rule that completes the waits, serverless.yml's `refreshEvents` param).
   */
  defaultWaitMode: WaitMode;
}

/**
 * Validates the execution input, applies its defaults and lists the Auto Scaling groups to patch.
 * By names: every distinct name is returned as given, in order, as long as at least one of them
 * exists; a name that does not exist then fails in its own iteration with AsgNotFoundError, so the
 * summary shows it beside the groups that worked. By tags: the groups carrying every tag filter
 * (a filter with values matches any of them), sorted by name. There is no cap: the plan and the
 * results live in the run ledger's pages (src/ledger/run-items.ts), not in the execution's state.
 * @throws InputValidationError (names each bad field), NoTargetsFoundError
 */
export async function resolveTargets(
  input: ResolveTargetsInput,
  deps: Pick<AwsDeps, 'autoScaling'>,
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

  const { targets } = execution;
  if ('asgNames' in targets) {
    const names = [...new Set(targets.asgNames)];
    const found = await listGroups(deps, { AutoScalingGroupNames: names });
    if (found.length === 0) throw new NoTargetsFoundError(`the names ${names.join(', ')}`);
    return { settings, asgNames: names };
  }

  const groups = await listGroups(deps, { Filters: tagFilters(targets.tags) });
  // The server filters; checking again here keeps AND semantics exact when two filters share a key.
  const asgNames = groups
    .filter((group) => targets.tags.every((filter) => carriesTag(group, filter)))
    .flatMap((group) => (group.AutoScalingGroupName ? [group.AutoScalingGroupName] : []))
    .sort();
  if (asgNames.length === 0) {
    throw new NoTargetsFoundError(`the tags ${targets.tags.map(describeTagFilter).join(' and ')}`);
  }
  return { settings, asgNames: [...new Set(asgNames)] };
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

/**
 * Server-side tag filters: `tag:<key>` with the values, or `tag-key` when any value will do.
 * "If you specify multiple filters, the filters are automatically logically joined with an AND"
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Filter.html). Filter names are sent
 * once each; a repeated key is narrowed client-side.
 */
function tagFilters(tags: TagFilter[]): Filter[] {
  const byName = new Map<string, Filter>();
  for (const tag of tags) {
    const filter: Filter = tag.values
      ? { Name: `tag:${tag.key}`, Values: tag.values }
      : { Name: 'tag-key', Values: [tag.key] };
    if (filter.Name && !byName.has(filter.Name)) byName.set(filter.Name, filter);
  }
  return [...byName.values()];
}

function carriesTag(group: AutoScalingGroup, filter: TagFilter): boolean {
  return (group.Tags ?? []).some(
    (tag) => tag.Key === filter.key && (!filter.values || filter.values.includes(tag.Value ?? '')),
  );
}

function describeTagFilter(filter: TagFilter): string {
  return filter.values ? `${filter.key}=${filter.values.join('|')}` : `${filter.key} (any value)`;
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
