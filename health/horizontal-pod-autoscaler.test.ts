import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('HorizontalPodAutoscaler health', () => {
  itAssessesFixtures(['horizontalpodautoscaler-'], [
    ['horizontalpodautoscaler-healthy.yaml', 'Healthy', '3 replicas'],
    ['horizontalpodautoscaler-v1-healthy.yaml', 'Healthy', '3 replicas'],
    ['horizontalpodautoscaler-at-maximum.yaml', 'Healthy', '10 replicas; the desired replica count is more than the maximum replica count'],
    ['horizontalpodautoscaler-metrics-not-ready.yaml', 'Progressing', 'waiting for metrics: the HPA was unable to compute the replica count: failed to get cpu utilization: did not receive metrics'],
    ['horizontalpodautoscaler-missing-request.yaml', 'Degraded', 'missing request for cpu in container web'],
    ['horizontalpodautoscaler-target-missing.yaml', 'Degraded', 'cannot scale its target: the HPA controller was unable to get the target\'s current scale: deployments/scale.apps "web" not found'],
    ['horizontalpodautoscaler-invalid-selector.yaml', 'Degraded', 'cannot compute a scale: the HPA target\'s scale is missing a selector'],
    ['horizontalpodautoscaler-scaling-disabled.yaml', 'Suspended', 'scaling is disabled since the replica count of the target is zero'],
    ['horizontalpodautoscaler-not-yet-computed.yaml', 'Progressing', 'waiting for the autoscaler to compute a first scale'],
    ['horizontalpodautoscaler-generation-not-observed.yaml', 'Progressing', 'waiting for the autoscaler to observe the latest spec'],
    ['horizontalpodautoscaler-no-metrics-server-captured.yaml', 'Progressing', 'waiting for metrics: the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)'],
    ['horizontalpodautoscaler-scaling-disabled-captured.yaml', 'Suspended', 'scaling is disabled: scaling is disabled since the replica count of the target is zero'],
    ['horizontalpodautoscaler-target-missing-captured.yaml', 'Degraded', 'cannot scale its target: the HPA controller was unable to get the target\'s current scale: deployments.apps "no-such-deployment" not found'],
  ]);
});
