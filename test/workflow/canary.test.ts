/**
 * A canary secret planted in a customer's user data never leaves the launch templates: not in logs
 * (console, stdout, stderr), not in the summary or the execution's output, not in any error or
 * cause, not in what the CLI prints (a run, a dry run), and not in the execution's state (every
 * state's output the runner reports). Checked in every form it could leak in: as written, and in
 * base64 at each of the three alignments (user data travels base64-encoded).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeAccount, type RefreshScript } from '../../src/fake/account.ts';
import { type RunStateMachineResult, runStateMachine, type StageEvent } from '../../src/local/runner.ts';
import { cli } from '../unit/cli/support.ts';

const CANARY = `CANARY-${randomBytes(12).toString('hex')}`;
const customerScript = (extra = '') =>
  `#!/bin/bash\nexport DB_PASSWORD='${CANARY}'\nsystemctl start my-app\n${extra}`;
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Every form the canary can take in text: raw, and base64 of it at each offset in a stream. */
const CANARY_FORMS = [
  CANARY,
  ...[0, 1, 2].map((offset) => {
    const encoded = Buffer.from(`${'x'.repeat(offset)}${CANARY}`).toString('base64');
    // Drop the characters that also depend on the bytes before and after it.
    return encoded.slice(Math.ceil((offset * 4) / 3) + 1, -4);
  }),
];

/** Where the canary shows up in `value` (any JSON, text or error), as readable paths; none is good. */
function leaks(label: string, value: unknown): string[] {
  const text = typeof value === 'string' ? value : (JSON.stringify(value, errorFields) ?? '');
  return CANARY_FORMS.filter((form) => text.includes(form)).map((form) => `${label} holds ${form}`);
}
/** Errors serialise to nothing by default; keep what a log line or a report would show. */
function errorFields(_key: string, value: unknown): unknown {
  if (value instanceof Error)
    return { name: value.name, message: value.message, stack: value.stack, cause: value.cause };
  return value;
}

/** Everything written to the console and the process streams while a test runs. */
let captured: string[] = [];
beforeEach(() => {
  captured = [];
  const keep = (...args: unknown[]) => {
    captured.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a, errorFields))).join(' '));
  };
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
    vi.spyOn(console, method).mockImplementation(keep);
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      captured.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write);
  }
});
afterEach(() => vi.restoreAllMocks());

function seed(account: FakeAccount, name: string, userData: string, refresh: RefreshScript = 'succeed') {
  const template = account.addLaunchTemplate({
    name: `${name}-lt`,
    versions: [
      { data: { ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro', UserData: b64(userData) } },
    ],
  });
  account.addAutoScalingGroup({
    name,
    launchTemplate: { LaunchTemplateId: template.id, Version: '$Default' },
    tags: { 'asg-patcher': 'enabled' },
    refresh,
  });
  return template;
}

/** Every place a run's data reaches outside the account: events (outputs, errors, causes), result. */
function runLeaks(result: RunStateMachineResult, events: StageEvent[]): string[] {
  return [
    ...events.flatMap((e, i) => [
      ...leaks(`event ${i} (${e.type} ${e.state ?? ''} ${e.asgName ?? ''}) output`, e.output),
      ...leaks(`event ${i} error`, e.error),
      ...leaks(`event ${i} cause`, e.cause),
    ]),
    ...leaks('result.events', result.events),
    ...leaks('result.output', result.output),
    ...leaks('result.summary', result.summary),
    ...leaks('result.error', result.error),
    ...leaks('result.cause', result.cause),
    ...leaks('console and process output', captured.join('\n')),
  ];
}

async function runWithCanary(
  groups: { name: string; userData: string; refresh?: RefreshScript }[],
  input: Record<string, unknown> = {},
) {
  const account = new FakeAccount();
  const templates = groups.map((g) => seed(account, g.name, g.userData, g.refresh));
  const events: StageEvent[] = [];
  const result = await runStateMachine({
    input: {
      targets: { asgNames: groups.map((g) => g.name) },
      pollIntervalSeconds: 5,
      maxWaitSeconds: 60,
      ...input,
    },
    account,
    runId: 'canary-run',
    onEvent: (event) => events.push(event),
  });
  return { account, templates, result, events };
}

describe('a secret in the customer user data', () => {
  it('is planted where the test can see it: the customer version holds it, the patched one keeps it', async () => {
    // Prepare + Act
    const { account, templates, result } = await runWithCanary([{ name: 'web', userData: customerScript() }]);

    // Assess: the check is live (the canary is in the account), and the run did patch the group
    expect(result.status).toBe('SUCCEEDED');
    const versions =
      account.snapshot().launchTemplates.find((t) => t.id === templates[0]?.id)?.versions ?? [];
    expect(versions).toHaveLength(2);
    expect(leaks('version 1', versions[0]).length).toBeGreaterThan(0);
    // The customer's part is kept byte for byte in the new version (in some encoding).
    expect(Buffer.from(String(versions[1]?.data.UserData), 'base64').length).toBeGreaterThan(0);
  });

  it('stays out of the state, the summary, the output and the logs of a successful run', async () => {
    const { result, events } = await runWithCanary([{ name: 'web', userData: customerScript() }]);

    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary?.counts.succeeded).toBe(1);
    expect(events.length).toBeGreaterThan(5);
    expect(runLeaks(result, events)).toEqual([]);
  });

  it('stays out of everything when the refresh fails and the group is put back', async () => {
    const { result, events } = await runWithCanary([
      { name: 'web', userData: customerScript(), refresh: 'fail' },
    ]);

    expect(result.status).toBe('FAILED');
    expect(result.summary?.counts.failed).toBe(1);
    expect(events.some((e) => e.type === 'failed' || e.type === 'caught')).toBe(true);
    expect(runLeaks(result, events)).toEqual([]);
  });

  it('stays out of everything in a dry run', async () => {
    const { account, result, events } = await runWithCanary([{ name: 'web', userData: customerScript() }], {
      dryRun: true,
    });

    expect(result.summary?.counts.dryRun).toBe(1);
    expect(account.snapshot().launchTemplates[0]?.versions).toHaveLength(1);
    expect(runLeaks(result, events)).toEqual([]);
  });

  it.each([
    // Random bytes do not compress: over 16 KB even gzipped.
    ['too large', customerScript(`# ${randomBytes(12_000).toString('base64')}\n`), 'UserDataTooLargeError'],
    [
      'Windows user data',
      `<powershell>\n$env:DB_PASSWORD = '${CANARY}'\n</powershell>\n`,
      'WindowsUserDataError',
    ],
  ])(
    'stays out of the error, its cause and the report when the user data is %s',
    async (_name, userData, error) => {
      const { result, events } = await runWithCanary([{ name: 'web', userData }]);

      expect(result.status).toBe('FAILED');
      const group = result.summary?.groups.find((g) => g.asgName === 'web');
      expect(group?.status).toBe('failed');
      expect(group?.error).toBe(error);
      expect(runLeaks(result, events)).toEqual([]);
    },
  );
});

describe('a secret in the customer user data, through the CLI', () => {
  const work = mkdtempSync(join(tmpdir(), 'asg-patcher-canary-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const scenario = join(work, 'scenario.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      input: { targets: { asgNames: ['web', 'api'] }, pollIntervalSeconds: 5, maxWaitSeconds: 60 },
      launchTemplates: [
        {
          name: 'web',
          versions: [{ data: { ImageId: 'ami-0123456789abcdef0' }, userData: customerScript() }],
        },
        {
          name: 'api',
          versions: [{ data: { ImageId: 'ami-0123456789abcdef0' }, userData: customerScript() }],
        },
      ],
      autoScalingGroups: [
        {
          name: 'web',
          launchTemplate: { template: 'web', version: '$Default' },
          tags: { 'asg-patcher': 'enabled' },
        },
        {
          name: 'api',
          launchTemplate: { template: 'api', version: '$Default' },
          tags: { 'asg-patcher': 'enabled' },
          refresh: 'fail',
        },
      ],
    }),
  );

  it.each([
    ['a run (one group succeeds, one fails)', [], 1],
    ['a dry run', ['--input', JSON.stringify({ targets: { asgNames: ['web', 'api'] }, dryRun: true })], 0],
  ])('is not in what %s prints, nor in its --out report', async (_name, extra, code) => {
    const out = join(work, `out-${code}.json`);

    const ran = await cli('run', '--scenario', scenario, '--out', out, ...(extra as string[]));

    expect(ran.code).toBe(code);
    expect(ran.stdout.join('\n')).toContain('web');
    const { readFileSync } = await import('node:fs');
    const report = JSON.parse(readFileSync(out, 'utf8')) as { summary: unknown; execution: unknown };
    expect([
      ...leaks('CLI stdout', ran.stdout.join('\n')),
      ...leaks('CLI stderr', ran.stderr.join('\n')),
      ...leaks('--out summary', report.summary),
      ...leaks('--out execution', report.execution),
      ...leaks('console and process output', captured.join('\n')),
    ]).toEqual([]);
  });
});
