import type { AwsDeps } from '../clients.ts';
import { recordRunPlan } from '../ledger/run-plan-record.ts';
import type { LedgerDeps } from '../ledger/table.ts';
import type { LookupLaunchTemplateInput, PlannedRun, PlanOverview, RunPlan } from '../schemas.ts';
import { listTargets } from './lib/list-targets.ts';
import { decidePlan, type PlanOptions } from './lib/plan-decide.ts';
import { PlanFacts } from './lib/plan-facts.ts';

/** Changing templates the overview names; the rest are counted (the state stays small). */
const OVERVIEW_TEMPLATES = 20;

/**
 * Plans the run (planRun) and writes the plan to the run ledger in pages, which every later phase
 * loads and saves back; the state gets only the settings, where the pages are and an overview.
 * @throws LedgerNotConfiguredError (AWS errors propagate for the state machine's Retry)
 */
export async function lookupLaunchTemplate(
  input: LookupLaunchTemplateInput,
  deps: AwsDeps & LedgerDeps,
  options: PlanOptions & { now?: () => Date } = {},
): Promise<PlannedRun> {
  const plan = await planRun(input, deps, options);
  const pages = await recordRunPlan(deps.ledger, plan, (options.now ?? (() => new Date()))());
  return { settings: plan.settings, pages, overview: overviewOf(plan) };
}

/**
 * Plans the run, per launch template (read-only: changes nothing). Lists the targets (by names or
 * tags, NoTargetsFoundError when none matches), then reads every targeted group's
 * active refresh, every template it launches from (the main spec and each override's) and what its
 * instances run, each (template, version) once; then decides per group (refused with a named error,
 * patch, refreshOnly, alreadyCurrent) and per template (the source versions that get a patched
 * version). Groups outside the run that follow a changing template through `$Default`/`$Latest` are
 * found here, from every group of the Region, and refused, included or accepted as the input says.
 * With `optInTag`, a group that does not carry it is refused (GroupNotOptedInError), even when the
 * input names it.
 * @throws NoTargetsFoundError; otherwise a group's pre-flight failure is its `refusal` (AWS errors
 *   propagate for the state machine's Retry)
 */
export async function planRun(
  input: LookupLaunchTemplateInput,
  deps: AwsDeps,
  options: PlanOptions = {},
): Promise<RunPlan> {
  const facts = new PlanFacts(deps);
  const listed = await listTargets(input.targets, deps);
  facts.addListed(listed.groups);
  const targets = [...listed.asgNames];
  for (;;) {
    await facts.loadGroups(targets);
    const step = decidePlan(input.settings, targets, facts, options);
    if ('plan' in step) return step.plan;
    if ('needAllGroups' in step) await facts.loadAllGroups();
    else targets.push(...step.include);
  }
}

/** The plan in a few numbers, for the progress line and the console. */
function overviewOf(plan: RunPlan): PlanOverview {
  const actions = { patch: 0, refreshOnly: 0, alreadyCurrent: 0, skipped: 0, refused: 0 };
  for (const group of plan.groups) actions[group.action] += 1;
  const changing = plan.templates
    .filter((t) => t.changes)
    .map((t) => {
      const from = t.sources.filter((s) => s.action === 'create').map((s) => `v${s.version}`);
      return `${t.launchTemplateName} (from ${from.join(', ')})`;
    });
  return {
    actions,
    changingTemplates: changing.length,
    changing: changing.slice(0, OVERVIEW_TEMPLATES),
  };
}
