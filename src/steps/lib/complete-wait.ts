/**
 * Completes an event-driven refresh wait: SendTaskSuccess with the refresh's progress, which the
 * AwaitRefreshEvent Task then writes where CheckRefreshStatus reads it. A token that already ended
 * (completed by the other of AwaitRefreshEvent and OnRefreshEvent, by a duplicate event, or timed out
 * into the backstop) answers TaskTimedOut; one Step Functions no longer knows, InvalidToken or
 * TaskDoesNotExist. None of these is an error: the wait it belonged to is over either way.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
 */
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { RefreshProgress } from '../../schemas.ts';

const ENDED = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/** True when this call completed the wait; false when it had already ended. */
export async function completeWait(
  sfn: SFNClient,
  taskToken: string,
  progress: RefreshProgress,
): Promise<boolean> {
  return ended(() => sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(progress) })));
}

export async function ended(send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (error) {
    if (error instanceof Error && ENDED.has(error.name)) return false;
    throw error;
  }
}
