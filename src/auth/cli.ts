/**
 * `strata users add|remove|list`: manages the users file (src/auth/users.ts).
 *
 *   strata users add <name> --password <pw> | --password-stdin [--namespace <ns>] [--acl <action>:<filter> ...] [--users-file <path>]
 *   strata users remove <name> [--users-file <path>]
 *   strata users list [--users-file <path>]
 *
 * The file defaults to STRATA_USERS_FILE. ACL actions: publish, subscribe, all; prefix `!` to deny.
 */
import { rename, writeFile } from 'node:fs/promises';
import type { AclRule } from './acl.js';
import { addUser, readUsersFile } from './users.js';

interface Io {
  out(text: string): void;
  err(text: string): void;
}

const USAGE = 'usage: strata users add <name> (--password <pw> | --password-stdin) [--namespace <ns>] [--acl <action>:<filter>]... [--users-file <path>]\n       strata users remove <name> [--users-file <path>]\n       strata users list [--users-file <path>]\n';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function parseAcl(spec: string): AclRule {
  const deny = spec.startsWith('!');
  const s = deny ? spec.slice(1) : spec;
  const i = s.indexOf(':');
  const action = s.slice(0, i);
  if (i <= 0 || !['publish', 'subscribe', 'all'].includes(action)) throw new Error(`bad --acl "${spec}": use publish|subscribe|all:<filter>`);
  return { action: action as AclRule['action'], topic: s.slice(i + 1), ...(deny ? { deny: true } : {}) };
}

export async function runUsersCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  const positional: string[] = [];
  const acl: AclRule[] = [];
  let file = process.env.STRATA_USERS_FILE;
  let password: string | undefined;
  let namespace: string | undefined;
  try {
    for (let i = 0; i < rest.length; i++) {
      const a = rest[i]!;
      const value = (): string => {
        const v = rest[++i];
        if (v === undefined) throw new Error(`${a} needs a value`);
        return v;
      };
      if (a === '--users-file' || a === '--file') file = value();
      else if (a === '--password') password = value();
      else if (a === '--password-stdin') password = await readStdin();
      else if (a === '--namespace') namespace = value();
      else if (a === '--acl') acl.push(parseAcl(value()));
      else if (a.startsWith('--')) throw new Error(`unknown flag ${a}`);
      else positional.push(a);
    }
    if (!file) throw new Error('no users file: pass --users-file or set STRATA_USERS_FILE');
    if (sub === 'add') {
      const name = positional[0];
      if (!name || password === undefined || password === '') throw new Error('add needs <name> and a non-empty password');
      await addUser(file, name, password, { namespace, acl: acl.length ? acl : undefined });
      io.out(`user ${name} saved to ${file}\n`);
      return 0;
    }
    if (sub === 'remove') {
      const f = await readUsersFile(file);
      const name = positional[0]!;
      if (!f.users[name]) throw new Error(`no user ${name}`);
      delete f.users[name];
      await writeFile(`${file}.tmp`, JSON.stringify(f, null, 2) + '\n', { mode: 0o600 });
      await rename(`${file}.tmp`, file);
      io.out(`user ${name} removed\n`);
      return 0;
    }
    if (sub === 'list') {
      const f = await readUsersFile(file);
      // last column: whether Kafka SASL/SCRAM can be used (entries written before SCRAM support lack the keys)
      for (const [name, u] of Object.entries(f.users)) io.out(`${name}\t${u.namespace ?? 'default'}\t${u.acl ? `${u.acl.length} acl rules` : 'all topics'}\t${u.scram ? 'scram' : 'no scram (re-add to enable)'}\n`);
      return 0;
    }
    io.err(USAGE);
    return 2;
  } catch (err) {
    io.err(`strata users: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
}
