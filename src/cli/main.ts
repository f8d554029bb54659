/**
 * `asg-patcher` command line: local runs of the real state machine (against a simulated account, or
 * `--live` against your own), executions started in AWS, and a preview of the user data a launch
 * template would get. The commands are in `src/cli/program.ts`.
 */

// The SDK warns on Node 20 that releases after January 2027 will need Node 22; the package.json
// engines field already says which Node this runs on, so keep the CLI's output to the run itself.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { runCli } = await import('./program.ts');
process.exitCode = await runCli(process.argv.slice(2));
