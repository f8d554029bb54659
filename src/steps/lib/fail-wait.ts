/**
 * Fails an event-driven refresh wait with a named error, which the AwaitRefreshEvent Task's Catch
 * sees as it would the Lambda's own. Its own module, so that only OnRefreshEvent's role needs
 * states:SendTaskFailure. A wait that already ended is not an error (see complete-wait.ts).
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html
 */
import { SendTaskFailureCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { ended } from './complete-wait.ts';

export async function failWait(sfn: SFNClient, taskToken: string, error: Error): Promise<boolean> {
  return ended(() =>
    sfn.send(
      new SendTaskFailureCommand({ taskToken, error: error.name, cause: error.message.slice(0, 32_000) }),
    ),
  );
}
