import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('Pod health', () => {
  itAssessesFixtures(['pod-'], [
    ['pod-running-ready.yaml', 'Healthy', 'pod is running and ready'],
    ['pod-running-not-ready.yaml', 'Progressing', 'waiting for pod to be ready: containers with unready status: [web]'],
    ['pod-restarted-not-ready.yaml', 'Progressing', 'container web restarted after exit code 137 (OOMKilled)'],
    ['pod-container-creating.yaml', 'Progressing', 'waiting for container web to start: ContainerCreating'],
    ['pod-unschedulable.yaml', 'Progressing', 'waiting to be scheduled: 0/2 nodes are available: 2 Insufficient cpu'],
    ['pod-crashloop.yaml', 'Degraded', 'container web is crash-looping (5 restarts, last exit code 1 (Error))'],
    ['pod-crashloop-restart-on-failure.yaml', 'Degraded', 'container migrate is crash-looping'],
    ['pod-init-container-crashloop.yaml', 'Degraded', 'container init-db is crash-looping (3 restarts, last exit code 2 (Error))'],
    ['pod-image-pull-backoff.yaml', 'Degraded', 'container web cannot start: ImagePullBackOff (Back-off pulling image "registry.example/shop/web:1.3.1"'],
    ['pod-err-image-pull.yaml', 'Degraded', 'container web cannot start: ErrImagePull'],
    ['pod-create-container-config-error.yaml', 'Degraded', 'CreateContainerConfigError (configmap "web-config" not found)'],
    ['pod-invalid-image-name.yaml', 'Degraded', 'container web cannot start: InvalidImageName'],
    ['pod-running-restart-never.yaml', 'Progressing', 'pod is running (restart policy Never: done when it succeeds)'],
    ['pod-succeeded.yaml', 'Healthy', 'pod completed'],
    ['pod-failed.yaml', 'Degraded', 'pod failed: container migrate exited with exit code 1 (Error)'],
    ['pod-evicted.yaml', 'Degraded', 'pod failed: The node was low on resource: memory'],
    ['pod-unknown.yaml', 'Unknown', 'the node stopped reporting'],
    ['pod-terminating.yaml', 'Progressing', 'being deleted'],
    ['pod-running-not-ready-captured.yaml', 'Progressing', 'waiting for pod to be ready: containers with unready status: never-ready marker'],
    ['pod-running-ready-captured.yaml', 'Healthy', 'pod is running and ready'],
    ['pod-running-restart-never-captured.yaml', 'Progressing', 'pod is running (restart policy Never: done when it succeeds)'],
    ['pod-unschedulable-captured.yaml', 'Progressing', 'waiting to be scheduled: 0/2 nodes are available: 2 node(s) didn\'t match Pod\'s node affinity/selector'],
  ]);
});
