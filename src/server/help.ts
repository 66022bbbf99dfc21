/** --help text and the configuration reference table, both generated from the option table. */
import { formatOptionValue } from './config-values.js';
import { OPTIONS, envName, flagName, type OptionSpec } from './options/index.js';

function defaultText(spec: OptionSpec): string {
  if (spec.defaultDoc !== undefined) return spec.defaultDoc;
  if (spec.default === undefined || typeof spec.default === 'function') return '(none)';
  return formatOptionValue({ ...spec, secret: false }, spec.default) || '(empty)';
}

function typeText(spec: OptionSpec): string {
  if (spec.type === 'enum') return spec.values.join('|');
  return spec.type;
}

export function usage(options: readonly OptionSpec[] = OPTIONS): string {
  const lines = [
    'Usage: strata <command> [options]',
    '',
    'Commands:',
    '  start            run the broker (MQTT, Kafka, HTTP) until SIGTERM/SIGINT',
    '  config           print the resolved configuration and where each value came from (secrets masked)',
    '  status           ask a running broker: readiness of each component, version (--url, --json)',
    '  version          print the version',
    '  help             print this help',
    '',
    'Admin (a running broker over HTTP; --url or STRATA_URL, --token or STRATA_TOKEN, --json; docs/reference/cli.md):',
    '  topics           list | create | describe | delete',
    '  groups           list | describe (committed offsets and lag)',
    '  namespaces       list | create | describe | delete (tenants and their quotas)',
    '  credentials      add | list | remove (a namespace\'s users: MQTT, Kafka SASL, HTTP Basic)',
    '  cache            stats',
    '  mounts           list | describe | delete | create (= mount)',
    '  mount            mount an S3 prefix or a directory as a read-only topic',
    '  users            add | remove | list (the MQTT users file)',
    '  bench <name>     run a benchmark (node bench/run.js <name>)',
    '  Admin exit codes: 0 ok, 1 the broker answered an error, 2 usage error, 3 cannot connect.',
    '',
    'Options (flag > env var > config file > default):',
    '  --config <file>  YAML or JSON file of options (env STRATA_CONFIG)',
  ];
  let group = '';
  for (const spec of options) {
    if (spec.group !== group) {
      group = spec.group;
      lines.push('', `  [${group}]`);
    }
    const flag = spec.type === 'bool' ? flagName(spec) : `${flagName(spec)} <${typeText(spec)}>`;
    lines.push(`  ${flag.padEnd(34)} ${spec.doc}`);
    lines.push(`  ${''.padEnd(34)} env ${envName(spec)}, default ${defaultText(spec)}`);
  }
  lines.push('', 'Exit codes: 0 clean stop, 1 fatal error while running, 2 invalid configuration or failed start.', 'Docs: docs/reference/configuration.md');
  return lines.join('\n') + '\n';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The tables of docs/reference/configuration.md: one per group, one row per option. */
export function optionsMarkdown(options: readonly OptionSpec[] = OPTIONS): string {
  const groups = [...new Set(options.map((o) => o.group))];
  const out: string[] = [];
  for (const group of groups) {
    out.push(`### ${group}`, '', '| option (file key) | flag | env | type | default | meaning |', '| --- | --- | --- | --- | --- | --- |');
    for (const spec of options.filter((o) => o.group === group)) {
      const def = defaultText(spec);
      out.push(
        `| \`${spec.name}\` | \`${flagName(spec)}\` | \`${envName(spec)}\` | ${cell(typeText(spec))} | ${cell(def.startsWith('`') || def.startsWith('(') ? def : '`' + def + '`')} | ${cell(spec.doc)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}
