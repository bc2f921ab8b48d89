import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('ReplicaSet health', () => {
  itAssessesFixtures(['replicaset-'], [
    ['replicaset-healthy.yaml', 'Healthy', '2 of 2 replicas are available'],
    ['replicaset-progressing.yaml', 'Progressing', '1 of 3 replicas are available'],
    ['replicaset-replica-failure.yaml', 'Degraded', 'pods cannot be created: pods "worker-9xq4z" is forbidden: violates PodSecurity'],
    ['replicaset-scaling-down.yaml', 'Progressing', '2 extra replicas are pending termination'],
    ['replicaset-generation-not-observed.yaml', 'Progressing', 'waiting for the controller to observe the latest spec'],
    ['replicaset-healthy-captured.yaml', 'Healthy', '2 of 2 replicas are available'],
    ['replicaset-never-ready-captured.yaml', 'Progressing', 'waiting for replicas: 0 of 2 replicas are available'],
    ['replicaset-quota-exceeded-captured.yaml', 'Degraded', 'pods cannot be created: pods "batch-pq6zj" is forbidden: exceeded quota: pods'],
  ]);
});
