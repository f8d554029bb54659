import { saveRunPage as writePage } from '../ledger/run-page-save.ts';
import type { LedgerDeps } from '../ledger/table.ts';
import type { SaveRunPageInput } from '../schemas.ts';

/** What a page's child execution returns to its phase: only which page it saved (the records stay in the ledger). */
export interface SavedPage {
  kind: SaveRunPageInput['kind'];
  page: number;
  records: number;
}

/**
 * The last state of every phase's page (SavePinPage, SaveCreatePage, ...): the records as the phase
 * left them, back into the run ledger; the next phase (and Summarize) reads them there. A retry
 * writes the same again.
 * @throws LedgerNotConfiguredError (AWS errors propagate for the state's Retry)
 */
export async function saveRunPage(
  input: SaveRunPageInput,
  deps: LedgerDeps,
  now: () => Date = () => new Date(),
): Promise<SavedPage> {
  await writePage(deps.ledger, input.runId, input.kind, input.page, input.records, now());
  const records =
    input.kind === 'groups' ? (input.records.groups ?? []).length : input.records.templates.length;
  return { kind: input.kind, page: input.page, records };
}
