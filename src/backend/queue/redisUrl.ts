/**
 * `--queue redis://[user:pass@]host:port[/db]` (rediss:// for TLS) as BullMQ's connection
 * options, and the same address without its password for messages.
 */
import type { RedisOptions } from 'ioredis';
import { UserError } from '../cli/errors';

export interface RedisAddress {
  connection: RedisOptions;
  /** host:port (and db), never the credentials. */
  shown: string;
}

export function parseRedisUrl(text: string): RedisAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`--queue must be a URL like redis://host:6379, got '${text}'`, 2);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UserError(
      `--queue must start with redis:// or rediss:// (TLS), got '${url.protocol}//'`,
      2
    );
  }
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new UserError(`--queue: the database must be a number, got '${dbText}'`, 2);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    connection: {
      host,
      port,
      db,
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.protocol === 'rediss:' ? { tls: { servername: host } } : {})
    },
    shown: `${url.protocol}//${url.host}${db ? `/${db}` : ''}`
  };
}
