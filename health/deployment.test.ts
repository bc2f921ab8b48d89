import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('Deployment health', () => {
  itAssessesFixtures(['deployment-'], [
    ['deployment-healthy.yaml', 'Healthy', '3 of 3 updated replicas are available'],
    ['deployment-progressing.yaml', 'Progressing', 'waiting for rollout: 2 of 3 updated replicas are available'],
    ['deployment-updating.yaml', 'Progressing', '1 of 3 replicas are updated'],
    ['deployment-old-replicas-pending-termination.yaml', 'Progressing', '1 old replicas are pending termination'],
    ['deployment-never-ready.yaml', 'Progressing', '0 of 2 updated replicas are available'],
    ['deployment-degraded.yaml', 'Degraded', 'waiting for rollout: progress deadline exceeded (ReplicaSet "stuck-6d4cf56db6" has timed out progressing.)'],
    ['deployment-paused.yaml', 'Suspended', 'rollout is paused'],
    ['deployment-generation-not-observed.yaml', 'Progressing', 'waiting for rollout to be observed'],
    ['deployment-not-yet-observed.yaml', 'Progressing', 'waiting for rollout to be observed'],
    ['deployment-scaled-to-zero.yaml', 'Healthy', 'scaled to 0 replicas'],
    ['deployment-quota-exceeded.yaml', 'Progressing', '2 of 3 replicas are updated; pods cannot be created: pods "web-5d8f7c9b6d-x7k2p" is forbidden: exceeded quota'],
    ['deployment-other-group.yaml', 'no opinion', ''],
    ['deployment-available-captured.yaml', 'Healthy', '2 of 2 updated replicas are available'],
    ['deployment-paused-captured.yaml', 'Suspended', 'rollout is paused'],
    ['deployment-progress-deadline-exceeded-captured.yaml', 'Degraded', 'waiting for rollout: progress deadline exceeded (ReplicaSet "stuck-677c4f99b4" has timed out progressing.)'],
    ['deployment-quota-exceeded-captured.yaml', 'Progressing', 'waiting for rollout: 1 of 2 replicas are updated; pods cannot be created: pods "web-5f96b584c-5tdfc" is forbidden: exceeded quota: pods'],
    ['deployment-rolling-captured.yaml', 'Progressing', 'waiting for rollout: 1 of 2 replicas are updated'],
    ['deployment-scaled-to-zero-captured.yaml', 'Healthy', 'scaled to 0 replicas'],
  ]);
});
