import {
  type AutoScalingGroup,
  type InstanceRefresh,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import type { AwsDeps } from '../clients.ts';
import { RefreshStillActiveError } from '../errors.ts';
import type {
  GroupRecord,
  RestoreAutoScalingGroupInput,
  RestoreResult,
  SpecSlot,
  TemplateRecord,
} from '../schemas.ts';
import { describeGroup } from './lib/describe-group.ts';
import { instancesBySlot, isFloatingReference, readSpecs, withVersions } from './lib/launch-template-ref.ts';
import { describeTemplateById } from './lib/launch-template-versions.ts';
import { describeActiveRefresh } from './lib/refresh-status.ts';
import { stopRefresh } from './lib/stop-refresh.ts';
import { readVersionUsage } from './lib/version-usage.ts';

/**
 * Settles a group after every refresh of the run ended and the defaults were settled. Reads the
 * truth, never flags: the group's references, its instances, its active refresh, and per template
 * the default and what `$Latest` will be once the run's unused versions are deleted. A refresh of
 * this run still running (its wait failed) is stopped (rollback, else cancel) and waited out: the
 * step throws RefreshStillActiveError, which the state machine retries. Each spec goes back to its
 * reference style (`$Default`/`$Latest`) only where that style resolves to exactly what its
 * instances run; otherwise it stays on the number, with a note that says why and what to do.
 * @throws RefreshStillActiveError (before changing anything); AWS errors propagate for the Retry
 */
export async function restoreAutoScalingGroup(
  input: RestoreAutoScalingGroupInput,
  deps: AwsDeps,
): Promise<RestoreResult> {
  const { group: record } = input;
  const group = await describeGroup(record.asgName, deps);
  if (!group) return { references: [], notes: ['the group no longer exists'] };
  const specs = readSpecs(group) ?? [];
  const active = await describeActiveRefresh(record.asgName, deps);
  if (active) {
    if (
      isRunRefresh(active, record, input.templates) &&
      active.Status !== 'RollbackInProgress' &&
      active.Status !== 'Cancelling'
    ) {
      await stopRefresh(record.asgName, deps);
    }
    const leftOn = specs.map(({ spec }) => `${spec.LaunchTemplateId}:${spec.Version}`).join(', ');
    const restoreTo = record.specs.map((s) => `${s.launchTemplateId}:${s.reference}`).join(', ');
    throw new RefreshStillActiveError(
      record.asgName,
      active.InstanceRefreshId ?? 'unknown',
      active.Status ?? 'unknown',
      leftOn,
      restoreTo,
    );
  }

  // $Default needs only the template's default; $Latest needs what the cleanup will leave.
  const resolveAfterCleanup = async (
    templateId: string,
    reference: '$Default' | '$Latest',
  ): Promise<number | undefined> => {
    const template = input.templates.find((t) => t.launchTemplateId === templateId);
    if (!template) return undefined;
    if (reference === '$Default') return (await describeTemplateById(templateId, deps))?.DefaultVersionNumber;
    return (await readVersionUsage(template, input.runId, deps))?.latestAfterCleanup;
  };

  const notes: string[] = [];
  const references: RestoreResult['references'] = [];
  for (const { slot, spec } of specs) {
    const planned = record.specs.find((s) => s.slot === slot);
    const templateId = spec.LaunchTemplateId ?? '?';
    const running = runningVersions(group, slot);
    const current = spec.Version;
    let reference = current;
    if (running.some((version) => version !== current)) {
      notes.push(
        `instances run version ${running.join(' and ')} of ${templateId} while the group launches ${current} (the refresh ended without replacing them all, or without rolling them back); start an instance refresh onto the version you want, or re-run`,
      );
    } else if (planned && isFloatingReference(planned.reference) && !isFloatingReference(current)) {
      const resolves = await resolveAfterCleanup(templateId, planned.reference);
      if (resolves !== undefined && String(resolves) === current) {
        reference = planned.reference;
      } else {
        notes.push(
          `left on version ${current} of ${templateId} instead of ${planned.reference}: ${planned.reference} resolves to ${resolves ?? 'nothing'}, which its instances (version ${current}) do not run; set it back to ${planned.reference} once ${planned.reference} resolves to a version it runs (a re-run plans from the number it is on now)`,
        );
      }
    }
    references.push({ slot, launchTemplateId: templateId, reference });
  }

  if (references.some((r, i) => r.reference !== specs[i]?.spec.Version)) {
    const chosen = (slot: SpecSlot): string =>
      references.find((r) => r.slot === slot)?.reference ?? '$Default';
    await deps.autoScaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: record.asgName,
        ...withVersions(group, chosen),
      }),
    );
  }
  return { references, notes };
}

/** The distinct versions the group's instances of this spec run, ascending. */
function runningVersions(group: AutoScalingGroup, slot: SpecSlot): string[] {
  const versions = new Set(
    instancesBySlot(group)
      .filter((i) => i.slot === slot)
      .map((i) => i.version),
  );
  return [...versions].sort((a, b) => Number(a) - Number(b));
}

/** Ours: the refresh the run recorded, or one whose desired configuration names a version the run created. */
function isRunRefresh(active: InstanceRefresh, record: GroupRecord, templates: TemplateRecord[]): boolean {
  if (active.InstanceRefreshId && active.InstanceRefreshId === record.refresh?.instanceRefreshId) return true;
  return (readSpecs({ ...active.DesiredConfiguration }) ?? []).some(({ spec }) =>
    templates.some(
      (t) =>
        t.launchTemplateId === spec.LaunchTemplateId &&
        (t.created ?? []).some((c) => String(c.newVersion) === spec.Version),
    ),
  );
}
