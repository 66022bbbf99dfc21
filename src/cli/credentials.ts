/**
 * `strata credentials add|list|remove`: a namespace's credentials (user + password; MQTT username/password,
 * Kafka SASL PLAIN and SCRAM-SHA-256/512, HTTP Basic). Needs an admin credential (--token / STRATA_TOKEN).
 * The password comes from --password, or STRATA_NEW_PASSWORD, or the first line of stdin (--password-stdin).
 */
import { AdminClient, seg } from './client.js';
import { EXIT, expectPositional, parseArgs, runSubcommand, usageError, type Io } from './common.js';
import { json, table } from './output.js';

export const CREDENTIALS_USAGE = `Usage: strata credentials add <ns> <user> [--password <pw> | --password-stdin] [--admin]
       strata credentials list <ns>
       strata credentials remove <ns> <user>
A user name belongs to one namespace. --admin lets the credential use the admin API for every namespace.
Common: --url <broker> (env STRATA_URL), --token <admin token> (env STRATA_TOKEN), --json
`;

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/, 1)[0] ?? '';
}

interface PublicCredential {
  user: string;
  namespace: string;
  createdAt: number;
  admin?: boolean;
}

async function add(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, { password: 'string', passwordStdin: 'bool', admin: 'bool' });
  expectPositional(p, 2, 'a namespace and a user');
  const [ns, user] = p.positional as [string, string];
  if (!ns || !user) throw usageError('missing the namespace or the user name');
  const password = (p.flags.password as string | undefined) ?? process.env.STRATA_NEW_PASSWORD ?? (p.flags.passwordStdin ? await readStdinLine() : undefined);
  if (!password) throw usageError('give the password with --password, --password-stdin or STRATA_NEW_PASSWORD');
  const c = await AdminClient.from(p.flags).request<PublicCredential>('PUT', `/v1/namespaces/${seg(ns)}/credentials/${seg(user)}`, { password, ...(p.flags.admin ? { admin: true } : {}) });
  if (p.flags.json) json(io, c);
  else io.out(`credential ${c.user} of namespace ${c.namespace} saved${c.admin ? ' (admin)' : ''}\n`);
  return EXIT.OK;
}

async function list(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {});
  expectPositional(p, 1, 'one namespace');
  if (!p.positional[0]) throw usageError('missing the namespace name');
  const { credentials } = await AdminClient.from(p.flags).get<{ credentials: PublicCredential[] }>(`/v1/namespaces/${seg(p.positional[0]!)}/credentials`);
  if (p.flags.json) json(io, { credentials });
  else io.out(table(['USER', 'NAMESPACE', 'ADMIN', 'CREATED'], credentials.map((c) => [c.user, c.namespace, Boolean(c.admin), new Date(c.createdAt).toISOString()])));
  return EXIT.OK;
}

async function remove(argv: string[], io: Io): Promise<number> {
  const p = parseArgs(argv, {});
  expectPositional(p, 2, 'a namespace and a user');
  const [ns, user] = p.positional as [string, string];
  if (!ns || !user) throw usageError('missing the namespace or the user name');
  await AdminClient.from(p.flags).request('DELETE', `/v1/namespaces/${seg(ns)}/credentials/${seg(user)}`);
  if (!p.flags.json) io.out(`credential ${user} of namespace ${ns} removed\n`);
  return EXIT.OK;
}

export function runCredentialsCommand(argv: string[], io: Io): Promise<number> {
  return runSubcommand(argv, io, { add, list, ls: list, remove, rm: remove });
}
