/**
 * Whether an Application may read a repository, decided from its URL alone
 * before anything is fetched: the scheme (https; http only when allowed), the
 * host when it is an IP literal or a metadata name, and --allowed-repos. Host
 * names are checked again, address by address, when the Git client connects
 * (guarded-lookup.ts), so DNS cannot point an allowed name at a metadata endpoint.
 */
import { classifyHost, ruleAgainst } from './addresses.ts';
import { allowed, matchesAny, policyRules, refused, type NamespacePolicy, type PolicyDecision, type SecurityPolicy } from './policy.ts';

/**
 * `url` is the repository URL as Berth keeps it: without user info (see
 * source/repository.ts). Each BerthPolicy of the namespace, when given, narrows --allowed-repos.
 */
export function checkSourcePolicy(url: string, policy: SecurityPolicy, namespacePolicy?: NamespacePolicy): PolicyDecision {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refused(policyRules.scheme, `repository ${url} is not a valid URL`);
  }
  if (parsed.protocol === 'http:' && !policy.allowHttpRepos) {
    return refused(policyRules.allowHttpRepos, `repository ${url} uses plain http, which is not allowed without ${policyRules.allowHttpRepos}=true; use https`);
  }
  // ssh: encrypted, and the server proven by knownHosts (source/ssh-connection.ts).
  // oci: a registry spoken to over https (http only with allowHttpRepos, source/helm-source.ts).
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:' && parsed.protocol !== 'ssh:' && parsed.protocol !== 'oci:') {
    return refused(policyRules.scheme, `repository ${url}: only https:// and ssh:// repositories are allowed, not ${parsed.protocol}`);
  }
  const addressClass = classifyHost(parsed.hostname);
  const rule = ruleAgainst(addressClass, policy);
  if (rule) {
    return refused(rule, `repository ${url} is on a ${addressClass ?? ''} address (${parsed.hostname}), which is not allowed without ${rule}=true`);
  }
  if (!matchesAny(policy.allowedRepos, url)) {
    return refused(policyRules.allowedRepos, `repository ${url} is not allowed by ${policyRules.allowedRepos} (${policy.allowedRepos.join(', ')})`);
  }
  for (const rules of namespacePolicy?.rules ?? []) {
    if (matchesAny(rules.allowedRepos, url)) continue;
    const rule = `${rules.source} allowedRepos`;
    return refused(rule, `repository ${url} is not allowed by ${rule} (${rules.allowedRepos.join(', ')})`);
  }
  return allowed;
}
