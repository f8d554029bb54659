/**
 * Simulated EC2 launch templates and their versions: DescribeLaunchTemplates,
 * DescribeLaunchTemplateVersions, CreateLaunchTemplateVersion (SourceVersion, ClientToken),
 * ModifyLaunchTemplate and DeleteLaunchTemplateVersions.
 */
import type { LaunchTemplate, LaunchTemplateVersion, ResponseLaunchTemplateData } from '@aws-sdk/client-ec2';
import type { CommandInput, CommandOutput } from './commands.ts';
import { awsError } from './errors.ts';
import { paginate } from './pagination.ts';
import { canonicalJson, clone, type FakeContext, isNumbered, iso, strings } from './util.ts';

/** Launch template data as EC2 returns it (ResponseLaunchTemplateData); plain JSON. */
export type LaunchTemplateData = Record<string, unknown>;

export interface LaunchTemplateSeed {
  name: string;
  /** Versions in order: the first is version 1. At least one. */
  versions: { data: LaunchTemplateData; description?: string }[];
  /** The default version number (1 when omitted). */
  defaultVersion?: number;
}

/** A launch template reference as Auto Scaling stores it (LaunchTemplateSpecification). */
export interface LaunchTemplateReference {
  LaunchTemplateId?: string;
  LaunchTemplateName?: string;
  /** `$Default`, `$Latest` or a number as a string; `$Default` when omitted (AWS's default). */
  Version?: string;
}

export interface VersionSnapshot {
  versionNumber: number;
  description?: string;
  createdAt: string;
  data: LaunchTemplateData;
}
export interface LaunchTemplateSnapshot {
  id: string;
  name: string;
  defaultVersion: number;
  latestVersion: number;
  versions: VersionSnapshot[];
}

export interface TemplateState {
  id: string;
  name: string;
  createdAt: Date;
  defaultVersion: number;
  /** Highest number ever assigned: numbers are never reused, even after a deletion. */
  lastAssigned: number;
  versions: Map<number, { description?: string; createdAt: Date; data: LaunchTemplateData }>;
}

type TemplateRef = { LaunchTemplateId?: string | undefined; LaunchTemplateName?: string | undefined };

export class LaunchTemplates {
  private readonly templates: TemplateState[] = [];
  /** CreateLaunchTemplateVersion client tokens: the request (without the token) and the answer. */
  private readonly clientTokens = new Map<
    string,
    { request: string; response: CommandOutput<'CreateLaunchTemplateVersion'> }
  >();

  constructor(private readonly ctx: FakeContext) {}

  /** Adds a launch template with its versions (numbered from 1). */
  add(seed: LaunchTemplateSeed): { id: string; name: string } {
    if (seed.versions.length === 0) throw new Error(`launch template ${seed.name}: at least one version`);
    if (this.templates.some((t) => t.name === seed.name))
      throw new Error(`launch template ${seed.name} already exists`);
    const createdAt = this.ctx.now();
    const t: TemplateState = {
      id: `lt-${(this.templates.length + 1).toString(16).padStart(17, '0')}`,
      name: seed.name,
      createdAt,
      defaultVersion: seed.defaultVersion ?? 1,
      lastAssigned: 0,
      versions: new Map(),
    };
    for (const v of seed.versions) {
      t.lastAssigned += 1;
      t.versions.set(t.lastAssigned, { description: v.description, createdAt, data: clone(v.data) });
    }
    if (!t.versions.has(t.defaultVersion))
      throw new Error(`launch template ${seed.name}: default version ${t.defaultVersion} does not exist`);
    this.templates.push(t);
    return { id: t.id, name: t.name };
  }

  // ----- lookups shared with Auto Scaling ----------------------------------------------------

  find(ref: TemplateRef): TemplateState | undefined {
    if (typeof ref.LaunchTemplateId === 'string')
      return this.templates.find((t) => t.id === ref.LaunchTemplateId);
    if (typeof ref.LaunchTemplateName === 'string')
      return this.templates.find((t) => t.name === ref.LaunchTemplateName);
    return undefined;
  }

  byIdOrName(idOrName: string): TemplateState | undefined {
    return this.templates.find((x) => x.id === idOrName || x.name === idOrName);
  }

  latest(t: TemplateState): number {
    return Math.max(...t.versions.keys());
  }

  /** `$Latest`, `$Default` or an existing number, resolved now; undefined otherwise. */
  tryResolve(t: TemplateState, v: string): number | undefined {
    if (v === '$Latest') return this.latest(t);
    if (v === '$Default') return t.defaultVersion;
    return isNumbered(v) && t.versions.has(Number(v)) ? Number(v) : undefined;
  }

  /** AWS stores and returns both the id and the name of a referenced template. */
  normaliseReference(ref: LaunchTemplateReference): LaunchTemplateReference {
    const t = this.find(ref);
    return {
      LaunchTemplateId: t?.id ?? ref.LaunchTemplateId,
      LaunchTemplateName: t?.name ?? ref.LaunchTemplateName,
      Version: ref.Version ?? '$Default',
    };
  }

  /** The data of one version (the stored object: callers clone). */
  data(t: TemplateState, n: number): LaunchTemplateData | undefined {
    return t.versions.get(n)?.data;
  }

  snapshot(): LaunchTemplateSnapshot[] {
    return clone(
      this.templates.map((t) => ({
        id: t.id,
        name: t.name,
        defaultVersion: t.defaultVersion,
        latestVersion: this.latest(t),
        versions: [...t.versions.entries()].map(([n, v]) => ({
          versionNumber: n,
          ...(v.description !== undefined ? { description: v.description } : {}),
          createdAt: iso(v.createdAt),
          data: v.data,
        })),
      })),
    );
  }

  // ----- the EC2 API -------------------------------------------------------------------------

  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplates.html
  describeLaunchTemplates(
    input: CommandInput<'DescribeLaunchTemplates'>,
  ): CommandOutput<'DescribeLaunchTemplates'> {
    const ids = strings(input.LaunchTemplateIds);
    const names = strings(input.LaunchTemplateNames);
    let found = this.templates;
    if (ids) found = ids.map((id) => this.orThrow({ LaunchTemplateId: id }));
    if (names) found = names.map((name) => this.orThrow({ LaunchTemplateName: name }));
    const page = paginate('ec2', found, input);
    return {
      LaunchTemplates: page.items.map((t) => this.describeTemplate(t)),
      ...page.next,
    };
  }

  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html
  // Versions may hold numbers, `$Latest` and `$Default`; an unknown number is
  // InvalidLaunchTemplateId.VersionNotFound.
  // MaxResults: "This value can be between 1 and 200" (same page). AWS's error for a value out of
  // range is not documented; the fake answers InvalidParameterValue, EC2's code for a bad value
  // (errors-overview.html), so a caller that asks for bigger pages fails in tests instead of passing.
  describeLaunchTemplateVersions(
    input: CommandInput<'DescribeLaunchTemplateVersions'>,
  ): CommandOutput<'DescribeLaunchTemplateVersions'> {
    const t = this.orThrow(input);
    if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > 200))
      throw awsError(
        'ec2',
        'InvalidParameterValue',
        `Value (${input.MaxResults}) for parameter MaxResults is invalid. Expecting a value between 1 and 200.`,
      );
    const requested = strings(input.Versions);
    let numbers: number[];
    if (requested) {
      numbers = [...new Set(requested.map((v) => this.resolveVersion(t, v)))];
    } else {
      const min = Number(input.MinVersion ?? 1);
      const max = Number(input.MaxVersion ?? Number.MAX_SAFE_INTEGER);
      numbers = [...t.versions.keys()].filter((n) => n >= min && n <= max).sort((a, b) => b - a);
    }
    const page = paginate('ec2', numbers, input);
    return {
      LaunchTemplateVersions: page.items.map((n) => this.describeVersion(t, n)),
      ...page.next,
    };
  }

  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html
  // "If you specify this parameter [SourceVersion], the new version inherits the launch parameters from
  // the source version. If you specify additional launch parameters for the new version, they overwrite
  // any corresponding launch parameters inherited from the source version." Top-level fields are replaced
  // whole (a given NetworkInterfaces list replaces the source's list). Versions are numbered in the order
  // they are created and never renumbered.
  //
  // ClientToken (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Run_Instance_Idempotency.html,
  // now https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-idempotency.html): "If you retry a
  // request that completed successfully using the same client token and the same parameters, the retry
  // succeeds without performing any further actions"; with the same token and different parameters "the
  // retry fails with an IdempotentParameterMismatch error". The retry answers with the earlier version.
  createLaunchTemplateVersion(
    input: CommandInput<'CreateLaunchTemplateVersion'>,
  ): CommandOutput<'CreateLaunchTemplateVersion'> {
    const { ClientToken: token, ...request } = input;
    const key = canonicalJson(request);
    const earlier = token === undefined ? undefined : this.clientTokens.get(token);
    if (earlier) {
      if (earlier.request !== key)
        // Message as listed in https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
        throw awsError(
          'ec2',
          'IdempotentParameterMismatch',
          'The request uses the same client token as a previous, but non-identical request. Do not reuse a client token with different requests, unless the requests are identical.',
        );
      return clone(earlier.response);
    }
    const response = this.createVersion(input);
    if (token !== undefined) this.clientTokens.set(token, { request: key, response: clone(response) });
    return response;
  }

  private createVersion(
    input: CommandInput<'CreateLaunchTemplateVersion'>,
  ): CommandOutput<'CreateLaunchTemplateVersion'> {
    const t = this.orThrow(input);
    const given = input.LaunchTemplateData as LaunchTemplateData | undefined;
    if (!given || typeof given !== 'object')
      throw awsError('ec2', 'MissingParameter', 'The request must contain the parameter LaunchTemplateData');
    const description = input.VersionDescription;
    if (typeof description === 'string' && description.length > 255)
      throw awsError(
        'ec2',
        'InvalidParameterValue',
        'Value for parameter VersionDescription is invalid: longer than 255 characters',
      );
    const source =
      input.SourceVersion === undefined
        ? {}
        : t.versions.get(this.resolveVersion(t, String(input.SourceVersion)))?.data;
    const inherited = clone(source ?? {});
    // "Snapshots applied to the block device mapping are ignored when creating a new version unless
    // they are explicitly included" (API_CreateLaunchTemplateVersion.html, SourceVersion): inherited
    // mappings lose Ebs.SnapshotId; mappings given in the request replace the source's whole.
    if (!('BlockDeviceMappings' in given) && Array.isArray(inherited.BlockDeviceMappings))
      inherited.BlockDeviceMappings = inherited.BlockDeviceMappings.map(withoutSnapshot);
    const data: LaunchTemplateData = { ...inherited, ...clone(given) };
    // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html: 16 KB raw, before base64.
    if (typeof data.UserData === 'string' && Buffer.from(data.UserData, 'base64').length > 16384)
      throw awsError('ec2', 'InvalidUserData.Malformed', 'User data is limited to 16384 bytes');
    t.lastAssigned += 1;
    t.versions.set(t.lastAssigned, {
      description: typeof description === 'string' ? description : undefined,
      createdAt: this.ctx.now(),
      data,
    });
    return { LaunchTemplateVersion: this.describeVersion(t, t.lastAssigned) };
  }

  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyLaunchTemplate.html
  // SetDefaultVersion (DefaultVersion in the SDK) must name an existing version.
  modifyLaunchTemplate(input: CommandInput<'ModifyLaunchTemplate'>): CommandOutput<'ModifyLaunchTemplate'> {
    const t = this.orThrow(input);
    if (input.DefaultVersion !== undefined)
      t.defaultVersion = this.resolveVersion(t, String(input.DefaultVersion));
    return { LaunchTemplate: this.describeTemplate(t) };
  }

  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html
  // "You can't delete the default version of a launch template"; failures are reported per version in
  // UnsuccessfullyDeletedLaunchTemplateVersions with a ResponseError code
  // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ResponseError.html), not thrown.
  // "You can delete up to 200 launch template versions in a single request" (same page). The page
  // does not say what AWS answers for more; the fake refuses the whole call with
  // InvalidParameterValue (errors-overview.html) and deletes nothing, so a caller that does not batch
  // fails in tests. Deleting a version that a group names or an instance runs is allowed, as AWS
  // checks neither (the group then fails at its next launch; the fake does not model that failure,
  // so test/support/invariants.ts checks that no version in use disappears).
  deleteLaunchTemplateVersions(
    input: CommandInput<'DeleteLaunchTemplateVersions'>,
  ): CommandOutput<'DeleteLaunchTemplateVersions'> {
    const t = this.orThrow(input);
    const requested = strings(input.Versions) ?? [];
    if (requested.length > 200)
      throw awsError(
        'ec2',
        'InvalidParameterValue',
        `You can specify up to 200 launch template versions per request; the request has ${requested.length}.`,
      );
    const out: Required<
      Pick<
        CommandOutput<'DeleteLaunchTemplateVersions'>,
        'SuccessfullyDeletedLaunchTemplateVersions' | 'UnsuccessfullyDeletedLaunchTemplateVersions'
      >
    > = { SuccessfullyDeletedLaunchTemplateVersions: [], UnsuccessfullyDeletedLaunchTemplateVersions: [] };
    for (const v of requested) {
      const n = Number(v);
      const item = { LaunchTemplateId: t.id, LaunchTemplateName: t.name, VersionNumber: n };
      if (!isNumbered(v) || !t.versions.has(n)) {
        out.UnsuccessfullyDeletedLaunchTemplateVersions.push({
          ...item,
          ResponseError: {
            Code: 'launchTemplateVersionDoesNotExist',
            Message: `The specified launch template version ${v} does not exist`,
          },
        });
      } else if (n === t.defaultVersion) {
        out.UnsuccessfullyDeletedLaunchTemplateVersions.push({
          ...item,
          ResponseError: {
            Code: 'unexpectedError',
            Message: 'Cannot delete the default version of a launch template',
          },
        });
      } else {
        t.versions.delete(n);
        out.SuccessfullyDeletedLaunchTemplateVersions.push(item);
      }
    }
    return out;
  }

  // ----- helpers -----------------------------------------------------------------------------

  // Error codes: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
  private orThrow(ref: TemplateRef): TemplateState {
    const id = ref.LaunchTemplateId;
    const name = ref.LaunchTemplateName;
    if (id !== undefined && name !== undefined)
      throw awsError(
        'ec2',
        'InvalidParameterCombination',
        'Specify either LaunchTemplateId or LaunchTemplateName',
      );
    if (typeof id === 'string') {
      if (!/^lt-[0-9a-f]{17}$/.test(id))
        throw awsError(
          'ec2',
          'InvalidLaunchTemplateId.Malformed',
          `The launch template ID '${id}' is malformed`,
        );
      const t = this.find({ LaunchTemplateId: id });
      if (!t)
        throw awsError(
          'ec2',
          'InvalidLaunchTemplateId.NotFound',
          `The specified launch template, with template ID ${id}, does not exist.`,
        );
      return t;
    }
    if (typeof name === 'string') {
      const t = this.find({ LaunchTemplateName: name });
      if (!t)
        throw awsError(
          'ec2',
          'InvalidLaunchTemplateName.NotFoundException',
          `The specified launch template, with template name ${name}, does not exist.`,
        );
      return t;
    }
    throw awsError(
      'ec2',
      'MissingParameter',
      'The request must contain the parameter LaunchTemplateId or LaunchTemplateName',
    );
  }

  private resolveVersion(t: TemplateState, v: string): number {
    const n = this.tryResolve(t, v);
    if (n === undefined)
      throw awsError(
        'ec2',
        'InvalidLaunchTemplateId.VersionNotFound',
        `Could not find launch template version ${v} for the template ${t.id}`,
      );
    return n;
  }

  private describeTemplate(t: TemplateState): LaunchTemplate {
    return {
      LaunchTemplateId: t.id,
      LaunchTemplateName: t.name,
      CreateTime: t.createdAt,
      CreatedBy: `arn:aws:iam::${this.ctx.accountId}:root`,
      DefaultVersionNumber: t.defaultVersion,
      LatestVersionNumber: this.latest(t),
    };
  }

  private describeVersion(t: TemplateState, n: number): LaunchTemplateVersion {
    const v = t.versions.get(n);
    return {
      LaunchTemplateId: t.id,
      LaunchTemplateName: t.name,
      VersionNumber: n,
      ...(v?.description !== undefined ? { VersionDescription: v.description } : {}),
      CreateTime: v?.createdAt,
      CreatedBy: `arn:aws:iam::${this.ctx.accountId}:root`,
      DefaultVersion: n === t.defaultVersion,
      // Stored as the JSON the test or the caller gave; EC2 answers it back as it was stored.
      LaunchTemplateData: clone(v?.data ?? {}) as ResponseLaunchTemplateData,
    };
  }
}

/** A block device mapping without its Ebs.SnapshotId (see createVersion). */
function withoutSnapshot(mapping: unknown): unknown {
  if (!mapping || typeof mapping !== 'object') return mapping;
  const m = mapping as { Ebs?: Record<string, unknown> };
  if (!m.Ebs || !('SnapshotId' in m.Ebs)) return m;
  const { SnapshotId: _dropped, ...ebs } = m.Ebs;
  return { ...m, Ebs: ebs };
}
