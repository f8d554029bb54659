/**
 * The `asg-patcher` command line (commander) as a function: `runCli(argv, output)` resolves to the
 * exit code, so tests run commands in-process (where aws-sdk-client-mock reaches the SDK clients).
 * Exit codes: 0 done, 1 the run failed, 2 bad usage (unknown option, missing file, invalid input).
 */
import { Command, CommanderError } from 'commander';
import { consoleOutput, EXIT, type Output, UsageError } from './exit.ts';
import { registerRunCommand } from './run.ts';
import { registerStartCommand } from './start.ts';
import { registerUserDataCommand } from './user-data.ts';

/** Parses `argv` (the arguments after the program name) and runs the command. */
export async function runCli(argv: readonly string[], output: Output = consoleOutput): Promise<number> {
  let code: number = EXIT.ok;
  const exit = (value: number): void => {
    code = value;
  };
  const program = new Command('asg-patcher')
    .description('Patch EC2 Auto Scaling groups through launch-template versions and instance refreshes')
    // Usage errors throw instead of exiting with commander's code 1, so they get code 2 below.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.log(text.trimEnd()),
      writeErr: (text) => output.error(text.trimEnd()),
    });
  registerRunCommand(program, output, exit);
  registerStartCommand(program, output, exit);
  registerUserDataCommand(program, exit);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exitCode 0; commander has printed the message.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      output.error(`asg-patcher: ${error.message}`);
      return EXIT.usage;
    }
    throw error;
  }
  return code;
}
