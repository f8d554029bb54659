/**
 * Which Lambda invocation made a call: the local runner runs each handler inside `invocationScope`,
 * and the simulated account records the scope's id on every call it answers (FakeCall.invocation),
 * so a test or the bench can tell a call repeated within one invocation (its answer was in hand)
 * from a later stage reading the truth again. Node's AsyncLocalStorage follows the handler's awaits,
 * so concurrent invocations (a Map's items) keep their own ids.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface Invocation {
  /** Unique within the process: `<state>#<n>`. */
  id: string;
}

export const invocationScope = new AsyncLocalStorage<Invocation>();

let next = 0;

/** Runs `work` as one invocation of `state`. */
export function asInvocation<T>(state: string, work: () => Promise<T>): Promise<T> {
  next += 1;
  return invocationScope.run({ id: `${state}#${next}` }, work);
}
