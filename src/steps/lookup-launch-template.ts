import type { AwsDeps } from '../clients.ts';
import type { LookupLaunchTemplateInput, RunPlan } from '../schemas.ts';
import { decidePlan, type PlanOptions } from './lib/plan-decide.ts';
import { PlanFacts } from './lib/plan-facts.ts';

/**
 * Plans the run, per launch template (read-only: changes nothing). Reads every targeted group, its
 * active refresh, every template it launches from (the main spec and each override's) and what its
 * instances run, each (template, version) once; then decides per group (refused with a named error,
 * patch, refreshOnly, alreadyCurrent) and per template (the source versions that get a patched
 * version). Groups outside the run that follow a changing template through `$Default`/`$Latest` are
 * found here, from every group of the Region, and refused, included or accepted as the input says.
 * With `optInTag`, a group that does not carry it is refused (GroupNotOptedInError), even when the
 * input names it.
 * @throws nothing of its own: a group's pre-flight failure is its `refusal` (AWS errors propagate
 *   for the state machine's Retry)
 */
export async function lookupLaunchTemplate(
  input: LookupLaunchTemplateInput,
  deps: AwsDeps,
  options: PlanOptions = {},
): Promise<RunPlan> {
  const facts = new PlanFacts(deps);
  const targets = [...input.asgNames];
  for (;;) {
    await facts.loadGroups(targets);
    const step = decidePlan(input.settings, targets, facts, options);
    if ('plan' in step) return step.plan;
    if ('needAllGroups' in step) await facts.loadAllGroups();
    else targets.push(...step.include);
  }
}
