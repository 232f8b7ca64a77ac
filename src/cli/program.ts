/**
 * The command line: commander declarations only. Each command's module is
 * imported lazily so `callcert --help` does not load the SIP stack.
 */
import { Command, Option, InvalidArgumentError } from 'commander';
import { VERSION } from '../version.js';
import type { Runtime } from './runtime.js';
import type { RunFlags } from './commands/run.js';
import type { SimulateFlags } from './commands/simulate.js';
import type { CompareFlags } from './commands/compare.js';
import type { ReportFlags } from './commands/report.js';
import type { VerifyFlags } from './commands/verify.js';
import type { ProbeRecordingsFlags } from './commands/probe.js';
import type { DashboardFlags } from './commands/dashboard.js';
import { ExitCode } from '../errors.js';

const EXIT_CODES = `
Exit codes:
  0  passed: the run finished and met every pass criterion (with no criteria:
     verdict "not judged", and every attempted call ended normally)
  1  a pass criterion failed (with no criteria: a call failed, was aborted or got no answer)
  2  usage or scenario error (nothing was run)
  3  run invalid or interrupted (generator saturated, worker crashed, Ctrl-C)
  4  internal error (a bug in callcert)
  5  compare: a metric regressed beyond its tolerance
  6  verify: the report or its attached data does not check out`;

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
  $ callcert run --target sip:ivr@10.0.0.5:5060 --rate 50 --duration 60s --media none   # signalling only (one-liners carry pcmu voice by default)
  $ callcert run scenarios/certify-1000.yaml --target sip:ivr@staging:5060 --set load.stages[2].target=1500
  $ callcert run scenarios/capacity-search.yaml --capacity 1400     # stepped search for the knee
  $ callcert simulate --sip-port 5080 --capacity 1200 --ring 2s --cti-port 8080
  $ callcert simulate --recordings ./recordings --recording-retention 24h,500 --cti-port 8080
  $ callcert simulate --cti-port 8080 --dialer '{ minInterval: 6s, maxPerLinePerDay: 300 }'
  $ callcert validate scenarios/smoke.yaml
  $ callcert compare baseline/results.json results/smoke --junit compare.xml --md compare.md
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
    .option('--data <file>', "per-call data (call.data): a CSV with a header row, or a SIPp injection file; use its columns as '{{column}}' in --auth-user, --auth-password, --set call.from=...")
    .addOption(new Option('--media <codec>', "voice on every call (call.media): G.711 RTP both ways, measured per call (default: pcmu; with a scenario file, the file's call.media); none: signalling only").choices(['pcmu', 'pcma', 'none']))
    .option('--workers <n>', 'worker threads (default: cores - 1, at least 1)', num('--workers', true))
    .option('--capacity <n>', 'embedded call centre only: channels it accepts before 503 (embedded.capacity)', num('--capacity', true))
    .option('--set <path=value>', 'override a scenario field, e.g. load.stages[1].target=1500 (repeatable)', collect, [])
    .option('--criterion <spec>', "pass criterion, as in the scenario's criteria: 'ser>=0.999', 'setup_ms p(95)<500' (repeatable)", collect, [])
    .option('--out <dir>', 'output directory (default: results/<scenario>-<time>)')
    .option('--quiet', 'no live view')
    .option('--report', 'when the run ends, write the report into the output directory (report.pdf by default)')
    // No commander defaults here: flags stay absent unless given (report.ts applies pdf / bilingual).
    .option('--report-format <list>', 'with --report: comma-separated pdf, html, junit, md (default: pdf)')
    .option('--meta <file>', 'with --report: report.yaml (report number, client, system, lab, people, standards)')
    .option('--lang <lang>', 'with --report: bilingual, zh or en (default: bilingual)')
    .option('--sink <sink>', 'live metrics while running (repeatable): prometheus[=HOST:PORT] serves /metrics (default 127.0.0.1:9466), prometheus-rw=URL pushes to a remote-write receiver', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--sink-linger <duration>', 'how long --sink prometheus and --dashboard keep serving the final figures after the run (default: 15s; 0: none)')
    .option('--dashboard [host:port]', 'a live web page of the run (default 127.0.0.1:9467; elsewhere than loopback the printed URL carries an access token)')
    .addHelpText('after', EXIT_CODES)
    .action(async (scenario: string | undefined, flags: RunFlags) => {
      const { runCommand } = await import('./commands/run.js');
      dispatch(await runCommand(scenario ?? null, flags, rt));
    });

  program
    .command('simulate')
    .alias('target')
    .description('run the embedded call centre (the simulator) in the foreground; prints its counters on exit (alias: target)')
    .option('--sip-port <n>', 'SIP port', num('--sip-port', true), 5060)
    .option('--address <ip>', 'address to bind, IPv4 or IPv6 (e.g. ::1)', '127.0.0.1')
    .addOption(new Option('--transport <t>', 'SIP transport').choices(['udp', 'tcp']).default('udp'))
    .option('--capacity <n>', 'channels; calls beyond get 503', num('--capacity', true), 2000)
    .option('--ring <duration>', 'ring time before answering', '0s')
    .option('--answer-ratio <f>', 'share of calls answered (others get 486/480)', num('--answer-ratio'), 1)
    .option('--callee-hangup <duration>', 'hang up answered calls after this long')
    .option('--duration <duration>', 'stop after this long (default: until Ctrl-C)')
    .option('--cti-port <n>', 'also serve the CTI REST API (originate, call state, agents, recordings) on this port; 0: any free port', num('--cti-port', true))
    .option('--cti-token <token>', 'bearer token the CTI API requires (default: random, printed at start)')
    .option('--cti-rate <n>', 'CTI API requests per second before 429', num('--cti-rate'), 50)
    .option('--no-media', 'signalling only: answer with a fixed SDP and no RTP (default: each call gets RTP ports of its own and its audio echoed, as callcert run sends voice by default)')
    .option('--recordings <dir>', 'record every answered call (both directions, G.711 WAV, with metadata) into this directory; the CTI API serves them')
    .option('--recording-retention <spec>', "with --recordings: max age and/or max count, e.g. '24h', '500', '24h,500' (default: 1000 calls, no age limit)")
    .option('--dialer <mapping>', 'with --cti-port: outbound limits the originate enforces per line, as embedded.dialer in a scenario, e.g. \'{ minInterval: 6s, maxPerLinePerDay: 300, window: { from: "08:00", to: "21:00" } }\' (add violate: true to break them)')
    .action(async (flags: SimulateFlags) => {
      const { simulateCommand } = await import('./commands/simulate.js');
      dispatch(await simulateCommand(flags, rt));
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

  program
    .command('report')
    .description('write the certification report (bilingual PDF; also html, junit, md) from a run\'s results')
    .argument('<results>', 'results directory (a run\'s --out) or its results.json')
    .option('--format <list>', 'comma-separated: pdf, html, junit, md', 'pdf')
    .option('--lang <lang>', 'bilingual (中文 / English), zh or en', 'bilingual')
    .option('--meta <file>', 'report.yaml: report number, client, system, lab, people, standards, topology image')
    .option('-o, --output <file>', 'output file (several formats: the stem each extension replaces; default: RESULTS_DIR/report.pdf …)')
    .option('--sign <key>', 'Ed25519 private key (PEM) to sign the PDF\'s manifest with (callcert verify --pubkey checks it)')
    .option('--sign-p12 <file>', 'PAdES-sign the PDF (ETSI.CAdES.detached, any PDF reader checks it) with the lab\'s PKCS #12 key and certificates')
    .option('--sign-key <key.pem>', 'PAdES-sign with this PEM private key (RSA or ECDSA; with --sign-cert)')
    .option('--sign-cert <cert.pem>', 'the signer\'s PEM certificate (for --sign-key; more certificates in the file are its chain)')
    .option('--sign-chain <chain.pem>', 'intermediate certificates (PEM) to embed with the signer\'s')
    .option('--sign-password-env <VAR>', 'environment variable holding the --sign-p12 / --sign-key password (never pass a password on the command line)')
    .action(async (results: string, flags: ReportFlags) => {
      const { reportCommand } = await import('./commands/report.js');
      dispatch(await reportCommand(results, flags, rt));
    });

  program
    .command('verify')
    .description('check a report PDF: attachments, page content, printed hashes, verdicts (exit 6 on any mismatch)')
    .argument('<report>', 'report PDF written by callcert report')
    .option('--pubkey <key>', 'Ed25519 public key (PEM): also require and check the manifest signature')
    .option('--ca <ca.pem>', 'CA certificate(s) (PEM): the PAdES signer\'s certificate must chain to one')
    .action(async (report: string, flags: VerifyFlags) => {
      const { verifyCommand } = await import('./commands/verify.js');
      dispatch(await verifyCommand(report, flags, rt));
    });

  program
    .command('dashboard')
    .description('serve the live dashboard page of a results directory, finished or still being written (until Ctrl-C)')
    .argument('<results>', "the run's results directory (its results.json)")
    .option('--listen <host:port>', 'where the page listens (default 127.0.0.1:9467; elsewhere than loopback the URL carries an access token)')
    .action(async (results: string, flags: DashboardFlags) => {
      const { dashboardCommand } = await import('./commands/dashboard.js');
      dispatch(await dashboardCommand(results, flags, rt));
    });

  const probe = program.command('probe').description('re-check a past run against the platform, e.g. that its recordings are still kept');
  probe
    .command('recordings')
    .description("re-fetch and check the recordings of a past run's answered calls, with that run's recording settings (retention evidence)")
    .argument('<results>', "the run's results directory (results.json, scenario.resolved.json, calls.jsonl)")
    .option('-o, --out <file>', 'where to write the probe\'s results (default: RESULTS_DIR/retention-<UTC time>.json, which `callcert report` includes)')
    .option('--token-env <var>', 'HTTP source: the bearer token, from this environment variable (the results hold it blanked)')
    .option('--username <user>', 'HTTP source: the Basic auth user (with --password-env)')
    .option('--password-env <var>', 'HTTP source: the Basic auth password, from this environment variable')
    .option('--base-url <url>', "where a path template goes (default: the run's http.baseUrl)")
    .option('--sample <n>', "check this many calls, evenly spread (default: the run's recordings.sample, else all)", num('--sample', true))
    .addHelpText('after', `
Exit codes: 0 every call checked still has a valid recording; 1 some do not; 2 bad input.`)
    .action(async (results: string, flags: ProbeRecordingsFlags) => {
      const { probeRecordingsCommand } = await import('./commands/probe.js');
      dispatch(await probeRecordingsCommand(results, flags, rt));
    });

  program
    .command('compare')
    .description('compare a run with a baseline run: per-metric deltas, fail on a regression beyond tolerance')
    .argument('<baseline>', 'baseline results directory or results.json')
    .argument('<results>', 'results directory or results.json of the run to check')
    .option('--tolerance <pct>', 'accepted change in the worse direction, percent of the baseline (floors: 1 ms, 0.001 for ratios)', '10%')
    .option('--tolerance-for <metric=tol>', 'per-metric tolerance, e.g. setup_ms.p95=20%, setup_ms=5ms, failed_calls=2 (repeatable)', collect, [])
    .option('--junit <file>', 'write JUnit XML (one testcase per compared metric)')
    .option('--md <file>', 'write Markdown, e.g. for $GITHUB_STEP_SUMMARY')
    .option('--json', 'print the comparison as JSON instead of the table')
    .addHelpText('after', `
Examples:
  $ callcert compare baseline/results.json results/smoke-latest
  $ callcert compare baseline/ out/ --tolerance 15% --tolerance-for setup_ms.p95=5ms --junit reports/compare.xml --md "$GITHUB_STEP_SUMMARY"

Exit codes (rules: docs/ci.md):
  0  no metric regressed beyond its tolerance
  5  a metric regressed beyond its tolerance, or is missing from RESULTS
  3  RESULTS is from an invalid, interrupted or unfinished run (nothing can be certified)
  2  bad input: missing file, not a results.json, invalid baseline, bad tolerance`)
    .action(async (baseline: string, results: string, flags: CompareFlags) => {
      const { compareCommand } = await import('./commands/compare.js');
      dispatch(await compareCommand(baseline, results, flags, rt));
    });

  return program;
}
