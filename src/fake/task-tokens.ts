/**
 * Simulated Step Functions task tokens: the callbacks of a `.waitForTaskToken` Task. The local runner
 * issues a token when the event-driven refresh wait starts (`issue`) and times it out at its backstop
 * (`timeOut`); the handlers complete it through the real SFNClient (SendTaskSuccess/SendTaskFailure),
 * which src/fake/install.ts routes here. As on AWS, a token completes once: completing it again, or
 * after it timed out, is `TaskTimedOut`, and a token never issued is `InvalidToken`
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html).
 */
import type { CommandInput, CommandOutput } from './commands.ts';
import { awsError } from './errors.ts';

/** How a token ended: the output (JSON text) of SendTaskSuccess, or SendTaskFailure's error. */
export type TaskTokenOutcome =
  | { kind: 'succeeded'; output: string }
  | { kind: 'failed'; error: string; cause: string }
  | { kind: 'timedOut' };

interface TokenState {
  outcome?: TaskTokenOutcome;
  settle: (outcome: TaskTokenOutcome) => void;
  settled: Promise<TaskTokenOutcome>;
}

export class TaskTokens {
  private readonly tokens = new Map<string, TokenState>();

  /** A new waiting token; `settled` resolves when it is completed or timed out. */
  issue(token: string): Promise<TaskTokenOutcome> {
    if (this.tokens.has(token)) throw new Error(`task token ${token} was issued twice`);
    let settle: (outcome: TaskTokenOutcome) => void = () => {};
    const settled = new Promise<TaskTokenOutcome>((resolve) => {
      settle = resolve;
    });
    this.tokens.set(token, { settle, settled });
    return settled;
  }

  /** The token's outcome so far (undefined while it waits). */
  outcome(token: string): TaskTokenOutcome | undefined {
    return this.tokens.get(token)?.outcome;
  }

  /** The Task's timeout (its backstop) ended the wait; later callbacks find it timed out. */
  timeOut(token: string): void {
    this.finish(token, { kind: 'timedOut' });
  }

  sendTaskSuccess(input: CommandInput<'SendTaskSuccess'>): CommandOutput<'SendTaskSuccess'> {
    this.complete(input.taskToken, { kind: 'succeeded', output: input.output ?? 'null' });
    return {};
  }

  sendTaskFailure(input: CommandInput<'SendTaskFailure'>): CommandOutput<'SendTaskFailure'> {
    this.complete(input.taskToken, { kind: 'failed', error: input.error ?? '', cause: input.cause ?? '' });
    return {};
  }

  private complete(token: string | undefined, outcome: TaskTokenOutcome): void {
    const state = token === undefined ? undefined : this.tokens.get(token);
    if (!state) throw awsError('sfn', 'InvalidToken', `Invalid Token: '${token}'`);
    if (state.outcome) throw awsError('sfn', 'TaskTimedOut', 'Task Timed Out: the task has already ended');
    this.finish(token as string, outcome);
  }

  private finish(token: string, outcome: TaskTokenOutcome): void {
    const state = this.tokens.get(token);
    if (!state || state.outcome) return;
    state.outcome = outcome;
    state.settle(outcome);
  }
}
