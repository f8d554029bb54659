/**
 * What the plan reads, each thing once: the groups (100 per DescribeAutoScalingGroups call), each
 * group's active refresh, each launch template once and each (template, version) once (all of a
 * template's wanted versions in one DescribeLaunchTemplateVersions call). Changes nothing.
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import type { AwsDeps } from '../../clients.ts';
import { isAwsError, isLaunchTemplateNotFound } from './aws-errors.ts';
import { listGroups } from './describe-group.ts';
import { instanceVersions, readSpecs } from './launch-template-ref.ts';
import { describeActiveRefresh } from './refresh-status.ts';

export interface TemplateFacts {
  id: string;
  name: string;
  defaultVersion: number;
  latestVersion: number;
  /** Versions read so far; `null`: that number does not exist. */
  versions: Map<number, LaunchTemplateVersion | null>;
}

export class PlanFacts {
  /** Groups by name; `null`: no such group. */
  readonly groups = new Map<string, AutoScalingGroup | null>();
  /** The active refresh of each found group, as `<id> (<status>)`, or null. */
  readonly activeRefresh = new Map<string, string | null>();
  /** Templates by id and by name; `null`: no such template. */
  private readonly templates = new Map<string, TemplateFacts | null>();
  /** Every group of the Region, once it was needed. */
  allGroups: AutoScalingGroup[] | undefined;
  /** Every group read so far by any listing (the targets', the Region's), by name: not described again. */
  private readonly listed = new Map<string, AutoScalingGroup>();

  constructor(private readonly deps: AwsDeps) {}

  /** Groups read by a listing (the targets' in list-targets.ts, the Region's), which loadGroups takes as read. */
  addListed(groups: readonly AutoScalingGroup[]): void {
    for (const group of groups)
      if (group.AutoScalingGroupName) this.listed.set(group.AutoScalingGroupName, group);
  }

  /** Reads the named groups not read yet, each one's active refresh, and the templates and versions they use. */
  async loadGroups(names: readonly string[]): Promise<void> {
    const missing = names.filter((name) => !this.groups.has(name));
    if (missing.length > 0) {
      const unknown = missing.filter((name) => !this.listed.has(name));
      if (unknown.length > 0) this.addListed(await listGroups(this.deps, { AutoScalingGroupNames: unknown }));
      for (const name of missing) this.groups.set(name, this.listed.get(name) ?? null);
      for (const name of missing) {
        if (this.groups.get(name)) {
          const active = await describeActiveRefresh(name, this.deps);
          this.activeRefresh.set(name, active ? `${active.InstanceRefreshId} (${active.Status})` : null);
        }
      }
    }
    await this.loadVersions(names.flatMap((name) => wantedVersions(this.groups.get(name) ?? undefined)));
  }

  /** Every group of the Region (paginated, 100 a page), read once. */
  async loadAllGroups(): Promise<AutoScalingGroup[]> {
    if (!this.allGroups) {
      this.allGroups = await listGroups(this.deps);
      this.addListed(this.allGroups);
    }
    return this.allGroups;
  }

  template(idOrName: string | undefined): TemplateFacts | undefined {
    return idOrName === undefined ? undefined : (this.templates.get(idOrName) ?? undefined);
  }

  /** The version as read, or undefined when it (or its template) does not exist. */
  version(templateId: string, version: number): LaunchTemplateVersion | undefined {
    return this.templates.get(templateId)?.versions.get(version) ?? undefined;
  }

  /** Resolves `$Default`/`$Latest`/a number against the template as read. */
  resolve(template: TemplateFacts, reference: string): number {
    if (reference === '$Default') return template.defaultVersion;
    if (reference === '$Latest') return template.latestVersion;
    return Number(reference);
  }

  private async loadVersions(wanted: { template: string; reference: string }[]): Promise<void> {
    for (const key of new Set(wanted.map((w) => w.template))) await this.loadTemplate(key);
    const numbers = new Map<string, Set<number>>();
    for (const { template: key, reference } of wanted) {
      const template = this.template(key);
      if (!template) continue;
      const number = this.resolve(template, reference);
      if (!Number.isInteger(number) || number < 1 || template.versions.has(number)) continue;
      const set = numbers.get(template.id) ?? new Set<number>();
      set.add(number);
      numbers.set(template.id, set);
    }
    for (const [id, set] of numbers)
      await this.readVersions(this.templates.get(id) as TemplateFacts, [...set]);
  }

  private async loadTemplate(idOrName: string): Promise<void> {
    if (this.templates.has(idOrName)) return;
    try {
      const byId = idOrName.startsWith('lt-');
      const response = await this.deps.ec2.send(
        new DescribeLaunchTemplatesCommand(
          byId ? { LaunchTemplateIds: [idOrName] } : { LaunchTemplateNames: [idOrName] },
        ),
      );
      const found = response.LaunchTemplates?.[0];
      if (!found?.LaunchTemplateId || !found.LaunchTemplateName) throw new Error('incomplete answer');
      const facts: TemplateFacts = {
        id: found.LaunchTemplateId,
        name: found.LaunchTemplateName,
        defaultVersion: found.DefaultVersionNumber ?? 1,
        latestVersion: found.LatestVersionNumber ?? 1,
        versions: new Map(),
      };
      this.templates.set(facts.id, facts);
      this.templates.set(facts.name, facts);
      this.templates.set(idOrName, facts);
    } catch (error) {
      if (
        !isLaunchTemplateNotFound(error) &&
        !(error instanceof Error && error.message === 'incomplete answer')
      )
        throw error;
      this.templates.set(idOrName, null);
    }
  }

  /**
   * One call for all of a template's wanted versions. A number that no longer exists fails that
   * call (`InvalidLaunchTemplateId.VersionNotFound`), so the versions are then read one by one.
   * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html
   */
  private async readVersions(template: TemplateFacts, numbers: number[]): Promise<void> {
    try {
      for (const version of await this.describeVersions(template.id, numbers)) {
        if (version.VersionNumber) template.versions.set(version.VersionNumber, version);
      }
    } catch (error) {
      if (!isLaunchTemplateNotFound(error) && !isAwsError(error, 'InvalidLaunchTemplateId.VersionNotFound'))
        throw error;
      if (numbers.length === 1) {
        template.versions.set(numbers[0] as number, null);
        return;
      }
      for (const number of numbers) await this.readVersions(template, [number]);
      return;
    }
    for (const number of numbers) if (!template.versions.has(number)) template.versions.set(number, null);
  }

  private async describeVersions(templateId: string, numbers: number[]): Promise<LaunchTemplateVersion[]> {
    const response = await this.deps.ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: templateId,
        Versions: numbers.map(String),
      }),
    );
    return response.LaunchTemplateVersions ?? [];
  }
}

/** The (template, reference) pairs a group needs read: its specs and what its instances run. */
function wantedVersions(group: AutoScalingGroup | undefined): { template: string; reference: string }[] {
  if (!group) return [];
  const specs = (readSpecs(group) ?? []).flatMap(({ spec }) => {
    const template = spec.LaunchTemplateId ?? spec.LaunchTemplateName;
    return template ? [{ template, reference: spec.Version }] : [];
  });
  const instances = instanceVersions(group).map((i) => ({
    template: i.launchTemplateId,
    reference: i.version,
  }));
  return [...specs, ...instances];
}
