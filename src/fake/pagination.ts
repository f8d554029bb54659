/** Token pagination as the EC2 and Auto Scaling APIs do it. */
import { awsError, type FakeService } from './errors.ts';

interface PageInput {
  NextToken?: string | undefined;
  MaxRecords?: number | undefined;
  MaxResults?: number | undefined;
}

/**
 * An opaque NextToken while more items remain. Auto Scaling's MaxRecords defaults to 50 (1..100:
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html); EC2's
 * MaxResults defaults to all. A token the fake did not issue is InvalidNextToken (Auto Scaling) or
 * InvalidPaginationToken (EC2: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
 */
export function paginate<T>(
  service: FakeService,
  items: T[],
  input: PageInput,
): { items: T[]; next: { NextToken?: string } } {
  const max = service === 'autoscaling' ? input.MaxRecords : input.MaxResults;
  const limit = typeof max === 'number' ? max : service === 'autoscaling' ? 50 : items.length || 1;
  if (service === 'autoscaling' && (limit < 1 || limit > 100))
    throw awsError(service, 'ValidationError', 'MaxRecords must be between 1 and 100');
  let start = 0;
  if (input.NextToken !== undefined) {
    const decoded = /^fake-page:(\d+)$/.exec(Buffer.from(String(input.NextToken), 'base64').toString());
    if (!decoded)
      throw service === 'autoscaling'
        ? awsError('autoscaling', 'InvalidNextToken', 'The token is not valid')
        : awsError('ec2', 'InvalidPaginationToken', 'The token is not valid');
    start = Number(decoded[1]);
  }
  const end = start + limit;
  return {
    items: items.slice(start, end),
    next: end < items.length ? { NextToken: Buffer.from(`fake-page:${end}`).toString('base64') } : {},
  };
}
