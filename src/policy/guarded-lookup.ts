/**
 * A DNS lookup for sockets that refuses addresses the policy forbids. It is
 * the lookup the connection itself uses, so the address checked is the address
 * connected to: a name that resolved to a public address a moment ago and to
 * 169.254.169.254 now (DNS rebinding) is refused at connect time. Every address
 * a name resolves to must be allowed, not just the first.
 */
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { classifyAddress, classifyHost, ruleAgainst } from './addresses.ts';
import { PolicyError, type SecurityPolicy } from './policy.ts';

export type NetworkPolicy = Pick<SecurityPolicy, 'allowPrivateRepos' | 'allowLinkLocalRepos'>;

/** Throws a PolicyError when `hostname` is an IP literal or a metadata name the policy forbids (no DNS). */
export function assertHostAllowed(hostname: string, policy: NetworkPolicy): void {
  const addressClass = classifyHost(hostname.replace(/^\[|\]$/g, ''));
  const rule = ruleAgainst(addressClass, policy);
  if (rule) throw new PolicyError(rule, `${hostname} is a ${addressClass ?? ''} address, which is not allowed without ${rule}=true`);
}

/** dns.lookup with `all: true`; replaceable in tests that play a rebinding DNS server. */
export type ResolveAll = (hostname: string, options: dns.LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

const systemResolver: ResolveAll = (hostname, options, callback) => { dns.lookup(hostname, options, callback); };

export function guardedLookup(policy: NetworkPolicy, resolve: ResolveAll = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '', 4);
        return;
      }
      for (const { address } of addresses) {
        const addressClass = classifyAddress(address);
        const rule = ruleAgainst(addressClass, policy);
        if (rule) {
          callback(new PolicyError(rule, `${hostname} resolves to ${address}, a ${addressClass ?? ''} address, which is not allowed without ${rule}=true`), '', 4);
          return;
        }
      }
      if (options.all) {
        (callback as unknown as (error: null, addresses: dns.LookupAddress[]) => void)(null, addresses);
        return;
      }
      const [first] = addresses;
      if (!first) callback(Object.assign(new Error(`${hostname}: no addresses`), { code: 'ENOTFOUND' }), '', 4);
      else callback(null, first.address, first.family);
    });
  };
}
