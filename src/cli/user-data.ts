/**
 * `asg-patcher user-data --in FILE [--out FILE] [--updates security|all] [--no-time-sync]`:
 * what a launch template's user data would become. Reads raw or base64 user data, prints the
 * composed archive and a summary; `--out` writes the base64 for CreateLaunchTemplateVersion.
 * Exit codes: 0 composed, 1 refused (the named error's message), 2 bad usage.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { AsgPatcherError } from '../errors.ts';
import { previewUserData } from '../userdata/preview.ts';
import { EXIT, type Output, UsageError } from './exit.ts';

export interface UserDataCommandOptions {
  in: string;
  out?: string;
  updates: 'security' | 'all';
  timeSync: boolean;
}

export function registerUserDataCommand(program: Command, exit: (code: number) => void): void {
  program
    .command('user-data')
    .description(
      'preview the user data a launch template would get: our patch script first, the existing user data kept byte for byte',
    )
    .requiredOption(
      '--in <file>',
      'existing user data, raw or base64 (as DescribeLaunchTemplateVersions returns it)',
    )
    .option('--out <file>', 'write the composed user data, base64, ready for CreateLaunchTemplateVersion')
    .option('--updates <which>', 'security (default) or all', parseUpdates, 'security')
    .option('--no-time-sync', 'leave time sync alone (default: point it at the Amazon Time Sync Service)')
    .action(async (options: UserDataCommandOptions) => {
      exit(
        await userDataCommand(options, {
          log: (s) => process.stdout.write(s),
          error: console.error,
        }),
      );
    });
}

function parseUpdates(value: string): 'security' | 'all' {
  if (value !== 'security' && value !== 'all') throw new InvalidArgumentError('security or all');
  return value;
}

/** Runs the preview; resolves to the exit code. */
export async function userDataCommand(options: UserDataCommandOptions, output: Output): Promise<number> {
  if (!existsSync(options.in)) throw new UsageError(`--in ${options.in}: no such file`);
  try {
    const preview = await previewUserData(readFileSync(options.in), {
      updates: options.updates,
      timeSync: options.timeSync,
    });
    output.log(preview.text);
    if (options.out) {
      writeFileSync(options.out, `${preview.composed.base64}\n`);
      output.log(`wrote ${preview.composed.base64.length} B of base64 to ${options.out}\n`);
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof AsgPatcherError) {
      output.error(`asg-patcher: ${error.name}: ${error.message}`);
      return EXIT.failed;
    }
    throw error;
  }
}
