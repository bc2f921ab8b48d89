/**
 * The built-in CEL health library, as data (issue 18). Each rule is matched by
 * group and kind; `conditions` guards objects without status so a missing
 * field reads as "not yet current", not as a rule error.
 */
import type { CelHealthRule } from '../cel-rules.ts';

const conditions = `(has(self.status) && has(self.status.conditions) ? self.status.conditions : [])`;
const cond = (type: string, status: string, extra = ''): string =>
  `${conditions}.exists(c, c.type == '${type}' && c.status == '${status}'${extra})`;
const generationObserved = `(!has(self.status) || !has(self.status.observedGeneration) || !has(self.metadata.generation) || self.status.observedGeneration == self.metadata.generation)`;
const readyMessage = `${conditions}.filter(c, c.type == 'Ready' && has(c.message)).map(c, c.message).join('')`;

function readyRule(group: string, kind: string, failedExtra = ''): CelHealthRule {
  return {
    group,
    kind,
    source: `built-in ${kind}.${group}`,
    failed: `${cond('Stalled', 'True')} || ${cond('Ready', 'False', failedExtra)}`,
    inProgress: `${cond('Reconciling', 'True')} || !${generationObserved}`,
    current: `${cond('Ready', 'True')} && ${generationObserved}`,
    message: readyMessage,
  };
}

export const builtinCelRules: readonly CelHealthRule[] = [
  {
    group: 'cert-manager.io',
    kind: 'Certificate',
    source: 'built-in Certificate.cert-manager.io',
    failed: cond('Ready', 'False', ` && has(c.reason) && c.reason == 'Failed'`) + ` || ${cond('Issuing', 'False', ` && has(c.reason) && c.reason == 'Failed'`)}`,
    inProgress: `${cond('Issuing', 'True')} || !${generationObserved}`,
    current: `${cond('Ready', 'True')} && ${generationObserved}`,
    message: readyMessage,
  },
  readyRule('cert-manager.io', 'Issuer'),
  readyRule('cert-manager.io', 'ClusterIssuer'),
  readyRule('kustomize.toolkit.fluxcd.io', 'Kustomization', ` && !(has(c.reason) && c.reason == 'Progressing')`),
  readyRule('helm.toolkit.fluxcd.io', 'HelmRelease', ` && !(has(c.reason) && c.reason == 'Progressing')`),
  readyRule('source.toolkit.fluxcd.io', 'GitRepository', ` && !(has(c.reason) && c.reason == 'Progressing')`),
  readyRule('source.toolkit.fluxcd.io', 'OCIRepository', ` && !(has(c.reason) && c.reason == 'Progressing')`),
  readyRule('source.toolkit.fluxcd.io', 'HelmRepository', ` && !(has(c.reason) && c.reason == 'Progressing')`),
  readyRule('external-secrets.io', 'ExternalSecret'),
  readyRule('external-secrets.io', 'SecretStore'),
  readyRule('external-secrets.io', 'ClusterSecretStore'),
  readyRule('keda.sh', 'ScaledObject'),
  readyRule('keda.sh', 'ScaledJob'),
];

/** The rule for a group/kind, the last match winning so later sources override earlier ones. */
export function findCelRule(rules: readonly CelHealthRule[], group: string, kind: string): CelHealthRule | undefined {
  for (let index = rules.length - 1; index >= 0; index -= 1) {
    const rule = rules[index];
    if (rule !== undefined && rule.group === group && rule.kind === kind) return rule;
  }
  return undefined;
}
