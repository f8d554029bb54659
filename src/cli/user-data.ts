import type { Command } from 'commander';

/** `asg-patcher user-data --in FILE [--out FILE]` (being built). */
export function registerUserDataCommand(program: Command): void {
  program
    .command('user-data')
    .description('preview composed user data (not built yet)')
    .action(() => {
      throw new Error('not built yet');
    });
}
