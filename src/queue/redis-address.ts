/**
 * Where Redis is, from the one setting `--redis-url`: a single server
 * (`redis://`, `rediss://`, handed to ioredis as the URL it already parses) or
 * a Sentinel-monitored primary (issue 20):
 *
 *   redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/<master name>[/<db>]
 *   rediss+sentinel://...   (TLS to the sentinels and to the primary)
 *
 * Sentinel's default port is 26379. The password authenticates to the primary
 * and to the sentinels alike (as the Bitnami chart and most installations set
 * them up). ioredis asks the sentinels for the primary on every connect; a
 * failover closes the old primary's connections, so clients reconnect to the new one.
 *
 * Pure: the URL is parsed here and only here, and a bad one names its part.
 */

/** Options for ioredis and BullMQ: either a URL, or the Sentinel options ioredis takes. */
export type RedisAddress =
  | { kind: 'server'; url: string }
  | {
    kind: 'sentinel';
    sentinels: { host: string; port: number }[];
    /** The primary's group name as the sentinels know it (`sentinel monitor <name> ...`). */
    name: string;
    db: number;
    username?: string;
    password?: string;
    tls: boolean;
  };

const sentinelDefaultPort = 26379;
const hostPattern = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/;
const masterNamePattern = /^[A-Za-z0-9._-]{1,128}$/;

export class RedisAddressError extends Error {
  override name = 'RedisAddressError';
}

export function parseRedisAddress(url: string): RedisAddress {
  const scheme = /^([a-z+]+):\/\//.exec(url)?.[1];
  if (scheme === 'redis' || scheme === 'rediss') return { kind: 'server', url };
  if (scheme !== 'redis+sentinel' && scheme !== 'rediss+sentinel') {
    throw new RedisAddressError('redis URL: expected redis://, rediss://, redis+sentinel:// or rediss+sentinel://');
  }
  const rest = url.slice(scheme.length + 3);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const pathPart = slash === -1 ? '' : rest.slice(slash + 1);
  // The user part may hold '@' only percent-encoded; the last '@' ends it.
  const at = authority.lastIndexOf('@');
  const userInfo = at === -1 ? undefined : authority.slice(0, at);
  const hosts = at === -1 ? authority : authority.slice(at + 1);

  const sentinels = hosts.split(',').map((entry, index) => sentinelAt(entry, index));
  const [name, dbText, ...extra] = pathPart.split('/');
  if (name === undefined || name === '') throw new RedisAddressError('redis URL: a Sentinel URL names its primary after the hosts: redis+sentinel://host:26379/<master name>');
  if (extra.length > 0 || pathPart.includes('?')) throw new RedisAddressError('redis URL: a Sentinel URL ends with /<master name>[/<db>]; query parameters are not supported');
  const decodedName = decode(name, 'master name');
  if (!masterNamePattern.test(decodedName)) throw new RedisAddressError('redis URL: the master name may use letters, digits, ".", "_" and "-" only');
  const db = dbText === undefined || dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0 || db > 15 || !/^\d+$/.test(dbText ?? '0')) throw new RedisAddressError('redis URL: the database after the master name must be a number from 0 to 15');

  const address: RedisAddress = { kind: 'sentinel', sentinels, name: decodedName, db, tls: scheme === 'rediss+sentinel' };
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':');
    const username = decode(colon === -1 ? userInfo : userInfo.slice(0, colon), 'user name');
    const password = colon === -1 ? undefined : decode(userInfo.slice(colon + 1), 'password');
    if (username !== '') address.username = username;
    if (password !== undefined && password !== '') address.password = password;
  }
  return address;
}

function sentinelAt(entry: string, index: number): { host: string; port: number } {
  const what = `redis URL: sentinel ${index + 1}`;
  if (entry === '') throw new RedisAddressError(`${what} is empty (list them as host:port,host:port)`);
  const portMatch = /^(.*?)(?::(\d{1,5}))?$/.exec(entry);
  const host = portMatch?.[1] ?? '';
  const port = portMatch?.[2] === undefined ? sentinelDefaultPort : Number(portMatch[2]);
  if (!hostPattern.test(host)) throw new RedisAddressError(`${what}: "${host.slice(0, 64)}" is not a host name or IP address`);
  if (port < 1 || port > 65_535) throw new RedisAddressError(`${what}: port ${port} is out of range`);
  return { host: host.startsWith('[') ? host.slice(1, -1) : host, port };
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RedisAddressError(`redis URL: the ${what} is not valid percent-encoding`);
  }
}

/** The URL with its credentials replaced, for logs and errors. */
export function redactedRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
