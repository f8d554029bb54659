/**
 * Recognising AWS errors by name. The SDK names a modelled Auto Scaling error after its shape
 * (`InstanceRefreshInProgressFault`) while the wire code is `InstanceRefreshInProgress`; EC2 errors
 * carry the wire code as their name (`InvalidLaunchTemplateId.NotFound`). Match either.
 */

/** The error's name, or its `Code`/`code` when it has one (what the query protocol sends). */
export function awsErrorNames(error: unknown): string[] {
  if (typeof error !== 'object' || error === null) return [];
  const names: string[] = [];
  for (const key of ['name', 'Code', 'code'] as const) {
    const value: unknown = Reflect.get(error, key);
    if (typeof value === 'string') names.push(value);
  }
  return names;
}

/** True when the error is one of these AWS errors (wire code or SDK shape name, `Fault` suffix optional). */
export function isAwsError(error: unknown, ...codes: string[]): boolean {
  const names = awsErrorNames(error);
  return codes.some((code) => names.includes(code) || names.includes(`${code}Fault`));
}

/** EC2's "this launch template / version does not exist" family (`InvalidLaunchTemplateId.NotFound`, ...). */
export function isLaunchTemplateNotFound(error: unknown): boolean {
  return awsErrorNames(error).some(
    (name) =>
      name.startsWith('InvalidLaunchTemplateId.') ||
      name.startsWith('InvalidLaunchTemplateName.') ||
      name === 'InvalidLaunchTemplateVersion.NotFound',
  );
}
