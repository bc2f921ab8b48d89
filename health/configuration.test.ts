import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('health of configuration-only kinds', () => {
  itAssessesFixtures(['configmap-', 'secret-', 'clusterrole-', 'namespace-'], [
    ['configmap-exists.yaml', 'Healthy', 'configuration only'],
    ['configmap-stored-captured.yaml', 'Healthy', 'exists (configuration only, nothing to wait for)'],
    ['secret-exists.yaml', 'Healthy', 'configuration only'],
    ['clusterrole-exists.yaml', 'Healthy', 'configuration only'],
    ['namespace-active.yaml', 'Healthy', 'configuration only'],
    ['namespace-terminating.yaml', 'Progressing', 'being deleted'],
    ['namespace-active-captured.yaml', 'Healthy', 'exists (configuration only, nothing to wait for)'],
  ]);
});
