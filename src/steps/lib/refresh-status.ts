import type { RefreshStatus } from '../../schemas.ts';

/**
 * Statuses of a refresh that still owns the group, and the ones it ends in
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceRefresh.html).
 */
export const ACTIVE_REFRESH_STATUSES: readonly RefreshStatus[] = [
  'Pending',
  'InProgress',
  'Cancelling',
  'RollbackInProgress',
  'Baking',
];
export const TERMINAL_REFRESH_STATUSES: readonly RefreshStatus[] = [
  'Successful',
  'Failed',
  'Cancelled',
  'RollbackSuccessful',
  'RollbackFailed',
];

export const isActiveRefreshStatus = (status: string | undefined): boolean =>
  ACTIVE_REFRESH_STATUSES.some((active) => active === status);
