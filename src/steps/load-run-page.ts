import { loadRunPage as readPage } from '../ledger/run-page-load.ts';
import type { LedgerDeps } from '../ledger/table.ts';
import type { LoadRunPageInput, RunPage } from '../schemas.ts';

/**
 * The first state of every phase's page (LoadPinPage, LoadCreatePage, ...): the page's records as the
 * phase before left them in the run ledger; a group page comes with its templates' records.
 * @throws LedgerNotConfiguredError, RunPageMissingError (AWS errors propagate for the state's Retry)
 */
export async function loadRunPage(input: LoadRunPageInput, deps: LedgerDeps): Promise<RunPage> {
  return readPage(deps.ledger, input.runId, input.kind, input.page);
}
