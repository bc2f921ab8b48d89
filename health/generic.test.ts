import { describe } from 'node:test';
import { genericHealth } from './generic.ts';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

// The kstatus rule itself, on Flux and cert-manager objects because they are what
// kstatus conventions look like; assessHealth judges these two kinds by their
// built-in CEL rules (rules/builtin.test.ts), and any kind without a rule by this one.
describe('health of other kinds by kstatus conventions', () => {
  itAssessesFixtures(['kustomization-', 'certificate-', 'poddisruptionbudget-', 'widget-'], [
    ['kustomization-ready.yaml', 'Healthy', 'ready: Applied revision: main@sha1:3f2c9a7e'],
    ['kustomization-reconciling.yaml', 'Progressing', 'reconciling: Detecting drift for revision'],
    ['kustomization-stalled.yaml', 'Degraded', 'stalled: kustomization path not found'],
    ['kustomization-generation-not-observed.yaml', 'Progressing', 'waiting for the controller to observe generation 3 (it has seen 2)'],
    ['kustomization-not-ready.yaml', 'Progressing', 'not ready yet: health check failed after 5m0s'],
    ['certificate-issuing.yaml', 'Progressing', 'not ready yet: Issuing certificate as Secret does not exist'],
    ['certificate-ready.yaml', 'Healthy', 'ready: Certificate is up to date and has not expired'],
    ['certificate-stale-ready.yaml', 'Progressing', 'waiting for the controller to report readiness of generation 2'],
    ['certificate-issuing-captured.yaml', 'Progressing', 'not ready yet: Issuing certificate as Secret does not exist'],
    ['certificate-ready-captured.yaml', 'Healthy', 'ready: Certificate is up to date and has not expired'],
    // kstatus alone cannot tell a failed issuance from one under way (no Stalled): the built-in rule can.
    ['certificate-issuance-failed-captured.yaml', 'Progressing', 'not ready yet: The certificate request has failed to complete'],
    ['poddisruptionbudget-observed.yaml', 'Healthy', 'the controller has observed the latest spec (generation 1)'],
    ['poddisruptionbudget-observed-captured.yaml', 'Healthy', 'the controller has observed the latest spec (generation 1)'],
    ['widget-no-status.yaml', 'no opinion', ''],
    ['widget-unconventional-conditions.yaml', 'no opinion', ''],
    ['widget-no-status-captured.yaml', 'no opinion', ''],
  ], genericHealth);
});
