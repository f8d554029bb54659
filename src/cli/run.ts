import type { Command } from 'commander';

/** `asg-patcher run --scenario FILE [--out FILE]` (being built). */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the state machine locally on a scenario (not built yet)')
    .action(() => {
      throw new Error('not built yet');
    });
}
