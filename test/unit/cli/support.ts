/** The CLI tests' shared setup: commands run in-process (runCli) with their output captured. */
import { afterAll, beforeAll, vi } from 'vitest';
import { runCli } from '../../../src/cli/program.ts';

export interface Ran {
  code: number;
  stdout: string[];
  stderr: string[];
}

export async function cli(...args: string[]): Promise<Ran> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(args, { log: (l) => stdout.push(l), error: (l) => stderr.push(l) });
  return { code, stdout, stderr };
}

/** Dummy credentials (and `env`, e.g. the Region) for the file's tests: the SDK signs, nothing leaves. */
export function useAwsEnv(env: Record<string, string>): void {
  beforeAll(() => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'dummy-secret');
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  });
  afterAll(() => vi.unstubAllEnvs());
}
