/** A group's last patched versions in the run ledger (real dynalite over HTTP): written, read, newest kept. */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { type LastPatched, readLastPatched, recordLastPatched } from '../../../src/ledger/last-patched.ts';
import { useLocalLedger } from '../../support/ledger.ts';

const record = (overrides: Partial<LastPatched> = {}): LastPatched => ({
  asgName: 'web',
  runId: 'run-a',
  patchedAt: '2026-03-01T03:12:00.000Z',
  action: 'patch',
  launchTemplates: [
    { slot: 'main', launchTemplateId: 'lt-00000000000000001', version: 4 },
    { slot: 1, launchTemplateId: 'lt-00000000000000002', version: 7 },
  ],
  ...overrides,
});

describe('the last patched versions', () => {
  const ledger = useLocalLedger();

  it('are written and read back per group, overrides under their index', async () => {
    expect(await recordLastPatched(ledger().deps.ledger, record())).toBe('recorded');

    expect(await readLastPatched(ledger().deps.ledger, 'web')).toEqual(record());
    expect(await readLastPatched(ledger().deps.ledger, 'api')).toBeUndefined();
  });

  it('are replaced by a later refresh, never by an earlier one (a late retry of an older run)', async () => {
    await recordLastPatched(ledger().deps.ledger, record());
    const later = record({ runId: 'run-b', patchedAt: '2026-03-08T03:10:00.000Z', action: 'refreshOnly' });

    expect(await recordLastPatched(ledger().deps.ledger, later)).toBe('recorded');
    expect(await recordLastPatched(ledger().deps.ledger, record())).toBe('newerKept');
    expect(await readLastPatched(ledger().deps.ledger, 'web')).toEqual(later);
    // The same record again (Summarize retried) is written again, unchanged.
    expect(await recordLastPatched(ledger().deps.ledger, later)).toBe('recorded');
  });

  it('live beside the group lock, in the group partition, with no TTL', async () => {
    await recordLastPatched(ledger().deps.ledger, record());

    const { Items } = await ledger().local.client.send(
      new ScanCommand({ TableName: ledger().local.tableName }),
    );
    expect(Items?.map((i) => [i.pk?.S, i.sk?.S, 'expiresAt' in i])).toEqual([
      ['GROUP#web', 'PATCHED', false],
    ]);
  });
});
