import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('StatefulSet health', () => {
  itAssessesFixtures(['statefulset-'], [
    ['statefulset-healthy.yaml', 'Healthy', '3 of 3 replicas are available at revision db-6c9b8f7d5'],
    ['statefulset-not-ready.yaml', 'Progressing', '2 of 3 replicas are available'],
    ['statefulset-rolling-update.yaml', 'Progressing', '1 of 3 replicas are updated'],
    ['statefulset-revision-not-current.yaml', 'Progressing', 'revision db-84f5b6c9d7 to become current'],
    ['statefulset-partition-progressing.yaml', 'Progressing', '0 of 1 replicas at or above the partition (2) are updated'],
    ['statefulset-partition-complete.yaml', 'Healthy', 'partitioned rollout complete'],
    ['statefulset-ondelete-pending.yaml', 'Healthy', '3 still run the previous revision (OnDelete'],
    ['statefulset-generation-not-observed.yaml', 'Progressing', 'waiting for rollout to be observed'],
    ['statefulset-scaling-down.yaml', 'Progressing', '1 extra replicas are pending termination'],
    ['statefulset-healthy-captured.yaml', 'Healthy', '3 of 3 replicas are available at revision db-6f7645946c'],
    ['statefulset-partitioned-captured.yaml', 'Healthy', 'partitioned rollout complete: 1 of 3 replicas are updated; replicas below ordinal 2 keep the previous revision'],
  ]);
});
