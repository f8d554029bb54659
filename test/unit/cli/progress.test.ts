/**
 * The run CLI's progress lines, fed by a real local run (src/local/runner.ts) on the demo scenario:
 * what each stage did, read from the record it wrote; a retried Lambda service error and a caught
 * failure as they happened, once each.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgressFormatter } from '../../../src/cli/progress.ts';
import { accountFromScenario } from '../../../src/fake/scenario.ts';
import { runStateMachine } from '../../../src/local/runner.ts';

const root = resolve(import.meta.dirname, '../../..');

type Override = NonNullable<Parameters<typeof runStateMachine>[0]['handlerOverrides']>;

/** Fails the state's first invocation with `name`, then runs the real handler. */
function failOnce(name: string, message: string): Override[keyof Override] {
  let failed = false;
  return async (event, next) => {
    if (failed) return next(event);
    failed = true;
    throw Object.assign(new Error(message), { name });
  };
}

async function progressLines(asgNames: string[], handlerOverrides: Override = {}): Promise<string[]> {
  const {
    input: _input,
    expect: _expect,
    ...scenario
  } = JSON.parse(readFileSync(join(root, 'examples/demo-scenario.json'), 'utf8'));
  const account = accountFromScenario(scenario);
  const format = createProgressFormatter();
  const lines: string[] = [];
  await runStateMachine({
    input: { targets: { asgNames } },
    account,
    onEvent: (event) => {
      const line = format(event);
      if (line) lines.push(line.replace(/^\+\d+\.\d\ds +/, '').replace(/ +/g, ' '));
    },
    handlerOverrides,
  });
  return lines;
}

describe('run progress lines', () => {
  it('says what each stage did, a template-level stage under the template’s name', async () => {
    const lines = await progressLines(['web-frontend-prod']);

    expect(lines.filter((l) => !l.includes('PollInstanceRefresh'))).toEqual([
      '(run) ResolveTargets targets: 1 name(s)',
      '(run) LookupLaunchTemplate 1 group(s): 1 patch, 0 refresh only, 0 already current, 0 skipped, 0 refused; templates that change: web-frontend (from v3)',
      expect.stringMatching(
        /^web-frontend-prod LockAutoScalingGroup locked for this run until \d{4}-\d\d-\d\dT[\d:.]+Z$/,
      ),
      'web-frontend-prod PinAutoScalingGroup on version numbers already: nothing to pin',
      'web-frontend CreatePatchedVersion created v3 -> v4',
      expect.stringMatching(
        /^web-frontend-prod StartInstanceRefresh refresh \S+ started to web-frontend v4$/,
      ),
      'web-frontend PromoteDefaultVersion default -> v4',
      'web-frontend-prod RestoreAutoScalingGroup on v4',
      'web-frontend DeleteUnusedVersions nothing deleted',
      '(run) Summarize 1 group(s): 1 succeeded, 0 refreshed, 0 already current, 0 skipped, 0 dry run, 0 failed',
    ]);
    expect(lines.filter((l) => l.includes('PollInstanceRefresh')).at(-1)).toMatch(
      /^web-frontend-prod PollInstanceRefresh Successful 100% \(poll \d+\)$/,
    );
  });

  it('pins $Default/$Latest specs, each of a mixed group named by its slot, and puts them back', async () => {
    const lines = await progressLines(['batch-workers-spot', 'internal-tools']);

    expect(lines).toContain('batch-workers-spot PinAutoScalingGroup pinned override 3 $Default -> v1');
    expect(lines).toContain('internal-tools PinAutoScalingGroup pinned $Latest -> v2');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^batch-workers-spot StartInstanceRefresh refresh \S+ started to batch-worker v3, batch-gpu v2$/,
      ),
    );
    expect(lines).toContain('batch-workers-spot RestoreAutoScalingGroup on main v3, override 3 $Default');
    expect(lines).toContain('internal-tools RestoreAutoScalingGroup on $Latest');
    expect(lines).toContain(
      'internal-tools DeleteUnusedVersions nothing deleted; kept v3 (instances of internal-tools run it)',
    );
  });

  it('shows a retried Lambda service error, then the stage succeeding, under the template’s name', async () => {
    const lines = await progressLines(['api-prod', 'api-canary'], {
      CreatePatchedVersion: failOnce('Lambda.ServiceException', 'Service unavailable'),
    });

    expect(lines.filter((l) => l.startsWith('api CreatePatchedVersion'))).toEqual([
      'api CreatePatchedVersion FAILED Lambda.ServiceException: Service unavailable',
      'api CreatePatchedVersion retrying (attempt 1)',
      'api CreatePatchedVersion created v2 -> v3',
    ]);
    expect(lines.at(-1)).toBe(
      '(run) Summarize 2 group(s): 2 succeeded, 0 refreshed, 0 already current, 0 skipped, 0 dry run, 0 failed',
    );
  });

  it('shows a caught failure once, recorded on the group, and the run going on to settle it', async () => {
    const lines = (
      await progressLines(['reports-prod'], {
        StartInstanceRefresh: failOnce('RefreshAlreadyActiveError', 'someone else refreshes reports-prod'),
      })
    ).filter((l) => l.startsWith('reports-prod'));

    const caught = lines.indexOf(
      'reports-prod StartInstanceRefresh caught: recorded on the group, the run goes on',
    );
    expect(caught).toBeGreaterThan(0);
    expect(lines[caught - 1]).toBe(
      'reports-prod StartInstanceRefresh FAILED RefreshAlreadyActiveError: someone else refreshes reports-prod',
    );
    expect(lines.slice(caught + 1)).toEqual(['reports-prod RestoreAutoScalingGroup on $Default']);
  });

  it('reports the promotion that did not happen, with its note, and the version deleted', async () => {
    const lines = await progressLines(['reports-prod']);

    expect(lines).toContain(
      'reports PromoteDefaultVersion default stays v1 (default stays 1: version 2 did not refresh successfully on reports-prod, which follow $Default)',
    );
    expect(lines).toContain('reports DeleteUnusedVersions deleted v2');
    expect(lines.filter((l) => l.startsWith('reports-prod PollInstanceRefresh')).at(-1)).toMatch(
      /RollbackSuccessful/,
    );
  });
});
