/**
 * Which network an address or host name belongs to, for deciding whether Berth's
 * Git client may connect to it. Pure: no DNS here (see guarded-lookup.ts).
 * Link-local addresses include the cloud metadata endpoints (169.254.169.254 on
 * AWS, GCP, Azure; fd00:ec2::254 on AWS over IPv6) whose credentials an SSRF
 * through a repository URL would expose; they are blocked unless asked for.
 */
import { isIP } from 'node:net';
import { policyRules, type PolicyRule, type SecurityPolicy } from './policy.ts';

export type AddressClass = 'public' | 'private' | 'loopback' | 'link-local' | 'metadata';

/** Host names of metadata services that resolve only inside a cloud. */
const metadataHosts = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal']);
const metadataAddresses = new Set(['169.254.169.254', 'fd00:ec2:0:0:0:0:0:254', '100.100.100.200']);

function ipv4Octets(address: string): number[] | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  const octets = parts.map(Number);
  return octets.every((n) => Number.isInteger(n) && n >= 0 && n <= 255) ? octets : undefined;
}

/** The eight 16-bit groups of an IPv6 address (with an embedded IPv4 tail expanded). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1]) {
    const octets = ipv4Octets(tail[1]);
    if (!octets) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    text = text.slice(0, -tail[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (rest === undefined ? missing !== 0 : missing < 0) return undefined;
  const groups = [...left, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...right].map((group) => parseInt(group, 16));
  return groups.length === 8 && groups.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff) ? groups : undefined;
}

function classifyIpv4([a = 0, b = 0, c = 0, d = 0]: number[]): AddressClass {
  if (metadataAddresses.has(`${a}.${b}.${c}.${d}`)) return 'metadata';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 127 || a === 0) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return 'private';
  return 'public';
}

/** The class of an IP address; undefined when `address` is not one. */
export function classifyAddress(address: string): AddressClass | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  const version = isIP(bare.replace(/%.*$/, ''));
  if (version === 4) return classifyIpv4(ipv4Octets(bare) ?? []);
  if (version !== 6) return undefined;
  const groups = ipv6Groups(bare);
  if (!groups) return undefined;
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms reach the IPv4 address.
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || (g5 === 0 && g6 !== 0))) {
    return classifyIpv4([g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]);
  }
  if (metadataAddresses.has(groups.map((n) => n.toString(16)).join(':'))) return 'metadata';
  if (groups.every((n, i) => (i === 7 ? n === 1 : n === 0)) || groups.every((n) => n === 0)) return 'loopback';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  return 'public';
}

/** The class of a host name known without DNS: an IP literal or a metadata name; undefined otherwise. */
export function classifyHost(hostname: string): AddressClass | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (metadataHosts.has(name)) return 'metadata';
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback';
  return classifyAddress(name);
}

/** The rule that forbids connecting to an address of this class, if any. */
export function ruleAgainst(addressClass: AddressClass | undefined, policy: Pick<SecurityPolicy, 'allowPrivateRepos' | 'allowLinkLocalRepos'>): PolicyRule | undefined {
  if ((addressClass === 'link-local' || addressClass === 'metadata') && !policy.allowLinkLocalRepos) return policyRules.allowLinkLocalRepos;
  if ((addressClass === 'private' || addressClass === 'loopback') && !policy.allowPrivateRepos) return policyRules.allowPrivateRepos;
  return undefined;
}
