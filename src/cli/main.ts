/**
 * `asg-patcher` command line: local runs of the real state machine (against a simulated account, or
 * `--live` against your own), executions started in AWS, and a preview of the user data a launch
 * template would get. The commands are in `src/cli/program.ts`.
 */

// The SDK warns on Node 20 that its releases after January 2027 will need Node 22. That matters to
// whoever runs against AWS (`start`, `run --live`): they keep the warning. A local run against the
// simulated account, or a user-data preview, leaves it out, so its output is the run itself.
const argv = process.argv.slice(2);
const againstAws = argv[0] === 'start' || (argv[0] === 'run' && argv.includes('--live'));
if (!againstAws) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { runCli } = await import('./program.ts');
process.exitCode = await runCli(argv);
