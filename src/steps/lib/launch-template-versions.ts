import { DescribeLaunchTemplatesCommand, type LaunchTemplate } from '@aws-sdk/client-ec2';
import type { AwsDeps } from '../../clients.ts';
import { isLaunchTemplateNotFound } from './aws-errors.ts';

/** The template as DescribeLaunchTemplates returns it (default and latest numbers), or undefined when it is gone. */
export async function describeTemplateById(
  launchTemplateId: string,
  deps: Pick<AwsDeps, 'ec2'>,
): Promise<LaunchTemplate | undefined> {
  try {
    const response = await deps.ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [launchTemplateId] }),
    );
    return response.LaunchTemplates?.find((template) => template.LaunchTemplateId === launchTemplateId);
  } catch (error) {
    if (isLaunchTemplateNotFound(error)) return undefined;
    throw error;
  }
}
