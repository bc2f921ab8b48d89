import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('health of configuration-only kinds', () => {
  itAssessesFixtures(['configmap-', 'secret-', 'clusterrole-', 'namespace-'], [
    ['configmap-exists.yaml', 'Healthy', 'configuration only'],
    ['secret-exists.yaml', 'Healthy', 'configuration only'],
    ['clusterrole-exists.yaml', 'Healthy', 'configuration only'],
    ['namespace-active.yaml', 'Healthy', 'configuration only'],
    ['namespace-terminating.yaml', 'Progressing', 'being deleted'],
  ]);
});
