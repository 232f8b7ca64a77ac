/**
 * The command line: commander declarations only. Each command's module is
 * imported lazily so `callcert --help` does not load the SIP stack.
 */
import { Command, Option, InvalidArgumentError } from 'commander';
import { VERSION } from './version.js';
import type { Runtime } from './runtime.js';
import type { RunFlags } from './commands/run.js';
import type { TargetFlags } from './commands/target.js';
import { ExitCode } from '../errors.js';

const EXIT_CODES = `
Exit codes:
  0  passed: the run finished and met every pass criterion
  1  pass criteria failed
  2  usage or scenario error (nothing was run)
  3  run invalid or interrupted (generator saturated, worker crashed, Ctrl-C)
  4  internal error (a bug in callcert)`;

function num(name: string, integer = false) {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name} expects a ${integer ? 'whole ' : ''}number >= 0, got "${v}"`);
    }
    return n;
  };
}
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Builds the program; `dispatch` receives the chosen command and its typed flags. */
export function buildProgram(rt: Runtime, dispatch: (exitCode: ExitCode) => void): Command {
  const program = new Command('callcert')
    .description('Load-test call-centre platforms over SIP and certify their capacity')
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces with errors')
    // Set before the subcommands exist: commander copies it into each one when it is created,
    // so their usage errors reach main.ts (exit 2) instead of commander's own process.exit(1).
    .exitOverride()
    .addHelpText('after', `
Examples:
  $ callcert run scenarios/quickstart.yaml              # 1,000 channels against the embedded call centre
  $ callcert run --target sip:ivr@10.0.0.5:5060 --concurrency 1000 --hold 20s --duration 60s
  $ callcert run --target sip:127.0.0.1:5080 --rate 200 --hold 1s --duration 30s --transport tcp
  $ callcert run scenarios/certify-1000.yaml --target sip:ivr@staging:5060 --set load.stages[2].target=1500
  $ callcert target --sip-port 5080 --capacity 1200 --ring 2s --cti-port 8080
  $ callcert validate scenarios/smoke.yaml
${EXIT_CODES}`);
  program.configureOutput({ writeOut: (s) => rt.stdout.write(s), writeErr: (s) => rt.stderr.write(s) });

  program
    .command('run')
    .description('run a load scenario (file, flags, or both: flags override the file)')
    .argument('[scenario]', 'scenario YAML file; without it the flags describe the whole run')
    .option('--target <uri>', 'SIP URI to call (default: the embedded call centre on loopback)')
    .option('--rate <cps>', 'open model: call attempts per second', num('--rate'))
    .option('--concurrency <n>', 'closed model: concurrent channels to hold (with --rate: the concurrency cap)', num('--concurrency', true))
    .option('--hold <duration>', 'call hold time, e.g. 20s')
    .option('--ramp <duration>', 'ramp from 0 to the rate/concurrency over this long')
    .option('--duration <duration>', 'how long to hold the rate/concurrency after the ramp, e.g. 60s')
    .addOption(new Option('--transport <t>', 'SIP transport').choices(['udp', 'tcp']))
    .option('--auth-user <user>', 'digest auth user name')
    .option('--auth-password <password>', 'digest auth password')
    .option('--workers <n>', 'worker threads (default: cores - 1, at least 1)', num('--workers', true))
    .option('--set <path=value>', 'override a scenario field, e.g. load.stages[1].target=1500 (repeatable)', collect, [])
    .option('--out <dir>', 'output directory (default: results/<scenario>-<time>)')
    .option('--quiet', 'no live view')
    .addHelpText('after', EXIT_CODES)
    .action(async (scenario: string | undefined, flags: RunFlags) => {
      const { runCommand } = await import('./commands/run.js');
      dispatch(await runCommand(scenario ?? null, flags, rt));
    });

  program
    .command('target')
    .description('run the embedded call centre in the foreground; prints its counters on exit')
    .option('--sip-port <n>', 'SIP port', num('--sip-port', true), 5060)
    .option('--address <ip>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--transport <t>', 'SIP transport').choices(['udp', 'tcp']).default('udp'))
    .option('--capacity <n>', 'channels; calls beyond get 503', num('--capacity', true), 2000)
    .option('--ring <duration>', 'ring time before answering', '0s')
    .option('--answer-ratio <f>', 'share of calls answered (others get 486/480)', num('--answer-ratio'), 1)
    .option('--callee-hangup <duration>', 'hang up answered calls after this long')
    .option('--duration <duration>', 'stop after this long (default: until Ctrl-C)')
    .option('--cti-port <n>', 'also serve the CTI REST API (originate, call state, agents, recordings) on this port; 0: any free port', num('--cti-port', true))
    .option('--cti-token <token>', 'bearer token the CTI API requires (default: random, printed at start)')
    .option('--cti-rate <n>', 'CTI API requests per second before 429', num('--cti-rate'), 50)
    .action(async (flags: TargetFlags) => {
      const { targetCommand } = await import('./commands/target.js');
      dispatch(await targetCommand(flags, rt));
    });

  program
    .command('validate')
    .description('check a scenario file and print what it will do')
    .argument('<file>', 'scenario YAML file')
    .option('--set <path=value>', 'override a scenario field (repeatable)', collect, [])
    .action(async (file: string, flags: { set: string[] }) => {
      const { validateCommand } = await import('./commands/validate.js');
      dispatch(await validateCommand(file, flags, rt));
    });

  return program;
}
