/**
 * `asg-patcher` command line (commander): local runs of the real state machine against a simulated
 * account, and a preview of the user data a launch template would get.
 * Exit codes: 0 done, 1 the run failed, 2 bad usage (unknown option, missing file, invalid scenario).
 */
import { Command, CommanderError } from 'commander';
import { EXIT, registerRunCommand, UsageError } from './run.ts';
import { registerUserDataCommand } from './user-data.ts';

// The SDK warns on Node 20 that releases after January 2027 will need Node 22; the package.json
// engines field already says which Node this runs on, so keep the CLI's output to the run itself.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = new Command('asg-patcher')
  .description('Patch EC2 Auto Scaling groups through launch-template versions and instance refreshes')
  // Usage errors throw instead of exiting with commander's code 1, so they get code 2 below.
  .exitOverride();
registerRunCommand(program);
registerUserDataCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end here too, with exitCode 0; commander has printed the message.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (error instanceof UsageError) {
    console.error(`asg-patcher: ${error.message}`);
    process.exitCode = EXIT.usage;
  } else {
    throw error;
  }
}
