/**
 * The run CLI's progress lines, fed by a real local run (src/local/runner.ts) on the demo scenario:
 * a retried Lambda service error and a caught refresh failure read as they happened, once each.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgressFormatter } from '../../../src/cli/progress.ts';
import { accountFromScenario } from '../../../src/fake/scenario.ts';
import { runStateMachine } from '../../../src/local/runner.ts';

const root = resolve(import.meta.dirname, '../../..');

async function progressLines(asgNames: string[], failCreateOnce: boolean): Promise<string[]> {
  const {
    input: _input,
    expect: _expect,
    ...scenario
  } = JSON.parse(readFileSync(join(root, 'examples/demo-scenario.json'), 'utf8'));
  const account = accountFromScenario(scenario);
  const format = createProgressFormatter();
  const lines: string[] = [];
  let failed = false;
  await runStateMachine({
    input: { targets: { asgNames } },
    account,
    onEvent: (event) => {
      const line = format(event);
      if (line) lines.push(line.replace(/^\+\d+\.\d\ds +/, '').replace(/ +/g, ' '));
    },
    handlerOverrides: failCreateOnce
      ? {
          CreatePatchedVersion: async (event, next) => {
            if (failed) return next(event);
            failed = true;
            const error = new Error('Service unavailable');
            error.name = 'Lambda.ServiceException';
            throw error;
          },
        }
      : {},
  });
  return lines;
}

describe('run progress lines', () => {
  it('shows a retried Lambda service error, then the stage succeeding', async () => {
    const lines = await progressLines(['api-prod'], true);
    const create = lines.filter((l) => l.startsWith('api-prod CreatePatchedVersion'));
    expect(create).toEqual([
      'api-prod CreatePatchedVersion FAILED Lambda.ServiceException: Service unavailable',
      'api-prod CreatePatchedVersion retrying (attempt 1)',
      expect.stringMatching(/^api-prod CreatePatchedVersion created v3 \(\d+ -> \d+ bytes of user data\)$/),
    ]);
    expect(lines.at(-1)).toBe(
      '(run) Summarize 1 group(s): 1 succeeded, 0 already current, 0 dry run, 0 failed',
    );
  });

  it('shows a caught failure once and goes on to the restore', async () => {
    const lines = (await progressLines(['reports-prod'], false)).filter((l) => l.startsWith('reports-prod'));
    const caught = lines.indexOf('reports-prod PollInstanceRefresh caught: on to RestoreAutoScalingGroup');
    expect(caught).toBeGreaterThan(0);
    expect(lines[caught - 1]).toMatch(
      /^reports-prod PollInstanceRefresh FAILED InstanceRefreshFailedError: /,
    );
    expect(lines[caught + 1]).toBe(
      'reports-prod RestoreAutoScalingGroup put back after PollInstanceRefresh failed: InstanceRefreshFailedError',
    );
    expect(lines).toHaveLength(caught + 2);
  });
});
