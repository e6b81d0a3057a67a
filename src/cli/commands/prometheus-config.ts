// `weft prometheus-config`: prints a ready prometheus.yml that scrapes every sidecar (found through the control plane's HTTP service discovery, or a file_sd file it keeps) and the control plane itself.
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ROOT_CERT_COPY_FILE } from '../../controlplane/auth/files.ts';
import { METRICS_PATH, TARGETS_PATH } from '../../controlplane/http-api/telemetry-routes.ts';
import { CA_FILE_ENV, stateDirOf } from '../credentials.ts';
import { ExitCode } from '../exit-codes.ts';
import { controlPlaneOption, type CliContext } from '../context.ts';

interface PrometheusConfigFlags {
  scrapeInterval: string;
  fileSd?: string;
}

export interface PrometheusConfigInput {
  /** The control plane's URL, e.g. "https://127.0.0.1:15010". */
  readonly controlPlane: string;
  /** Prometheus duration, e.g. "15s". */
  readonly scrapeInterval: string;
  /** Use file_sd_configs on this file instead of http_sd_configs. */
  readonly fileSd?: string;
  /** Root certificate Prometheus verifies an https:// control plane with. */
  readonly caFile?: string;
}

/** Prometheus's duration syntax (a subset: one or more number+unit pairs). */
const PROM_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

export function parsePromDuration(v: string): string {
  if (!PROM_DURATION.test(v)) throw new InvalidArgumentError(`"${v}" is not a Prometheus duration; write e.g. 15s, 1m or 500ms`);
  return v;
}

/** YAML double-quoted scalar (JSON's string syntax is valid YAML). */
const q = (s: string): string => JSON.stringify(s);

/** The prometheus.yml text. */
export function prometheusConfig(input: PrometheusConfigInput): string {
  const url = new URL(input.controlPlane);
  const base = input.controlPlane.replace(/\/+$/, '');
  const https = url.protocol === 'https:';
  const tls = https && input.caFile !== undefined ? [`    tls_config:`, `      ca_file: ${q(input.caFile)}`] : [];
  const sdTls = https && input.caFile !== undefined ? [`        tls_config:`, `          ca_file: ${q(input.caFile)}`] : [];
  const discovery = input.fileSd === undefined
    ? [
      '    # every live sidecar, from the control plane (targets carry __metrics_path__ /stats/prometheus',
      '    # and the labels namespace, workload, app, version)',
      '    http_sd_configs:',
      `      - url: ${q(`${base}${TARGETS_PATH}`)}`,
      `        refresh_interval: ${input.scrapeInterval}`,
      ...sdTls,
    ]
    : [
      `    # every live sidecar, from the file \`weft control-plane --prometheus-sd-file ${input.fileSd}\` keeps current`,
      '    file_sd_configs:',
      `      - files: [${q(input.fileSd)}]`,
      `        refresh_interval: ${input.scrapeInterval}`,
    ];
  return [
    `# Prometheus scrape config for the Weft mesh at ${base} (weft prometheus-config).`,
    '# Sidecars serve Istio\'s standard metrics (istio_requests_total, …) at /stats/prometheus.',
    'global:',
    `  scrape_interval: ${input.scrapeInterval}`,
    `  evaluation_interval: ${input.scrapeInterval}`,
    'scrape_configs:',
    '  - job_name: weft-sidecars',
    `    metrics_path: /stats/prometheus`,
    ...discovery,
    '  - job_name: weft-control-plane',
    `    metrics_path: ${METRICS_PATH}`,
    `    scheme: ${https ? 'https' : 'http'}`,
    ...tls,
    '    static_configs:',
    `      - targets: [${q(url.host)}]`,
    '',
  ].join('\n');
}

export function registerPrometheusConfig(program: Command, ctx: CliContext): void {
  program
    .command('prometheus-config')
    .description('print a prometheus.yml that scrapes every sidecar and the control plane')
    .addOption(controlPlaneOption())
    .option('--scrape-interval <duration>', 'how often Prometheus scrapes and refreshes the targets (Prometheus syntax)', parsePromDuration, '15s')
    .option('--file-sd <file>', 'discover sidecars from this file (kept by `weft control-plane --prometheus-sd-file`) instead of over HTTP')
    .addHelpText('after', `
The sidecars are found through the control plane: over HTTP (GET ${TARGETS_PATH},
Prometheus http_sd_configs) by default, or from a file_sd file. For an https:// control plane,
Prometheus verifies it with the mesh root (--ca-file / ${CA_FILE_ENV}, else root-cert.pem in the
control plane's state directory). /metrics and ${TARGETS_PATH} need no credential.

Examples:
  weft prometheus-config > prometheus.yml && prometheus --config.file=prometheus.yml
  weft prometheus-config --scrape-interval 5s
  weft control-plane --prometheus-sd-file /tmp/weft-targets.json &
  weft prometheus-config --file-sd /tmp/weft-targets.json`)
    .action(ctx.action(async (opts: PrometheusConfigFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<{ caFile?: string; stateDir?: string }>();
      const env = ctx.io.env;
      const caFile = globals.caFile ?? (env[CA_FILE_ENV] || undefined) ?? join(stateDirOf(globals.stateDir, env), ROOT_CERT_COPY_FILE);
      ctx.io.stdout.write(prometheusConfig({
        controlPlane: ctx.controlPlaneUrl(cmd),
        scrapeInterval: opts.scrapeInterval,
        caFile,
        ...(opts.fileSd === undefined ? {} : { fileSd: opts.fileSd }),
      }));
      return ExitCode.OK;
    }));
}
