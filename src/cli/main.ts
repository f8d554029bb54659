/**
 * `asg-patcher` command line (commander): local runs of the real state machine against a simulated
 * account, and a preview of the user data a launch template would get.
 */
import { Command } from 'commander';
import { registerRunCommand } from './run.ts';
import { registerUserDataCommand } from './user-data.ts';

const program = new Command('asg-patcher').description(
  'Patch EC2 Auto Scaling groups through launch-template versions and instance refreshes',
);
registerRunCommand(program);
registerUserDataCommand(program);

await program.parseAsync(process.argv);
