import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('DaemonSet health', () => {
  itAssessesFixtures(['daemonset-'], [
    ['daemonset-healthy.yaml', 'Healthy', '2 of 2 updated pods are available'],
    ['daemonset-rolling-update.yaml', 'Progressing', '1 of 2 pods are updated'],
    ['daemonset-unavailable.yaml', 'Progressing', '1 of 2 updated pods are available'],
    ['daemonset-ondelete-pending.yaml', 'Healthy', '2 still run the previous revision (OnDelete'],
    ['daemonset-ondelete-unavailable.yaml', 'Progressing', '1 of 2 pods are available'],
    ['daemonset-generation-not-observed.yaml', 'Progressing', 'waiting for rollout to be observed'],
    ['daemonset-no-eligible-nodes.yaml', 'Healthy', 'no node is eligible'],
    ['daemonset-healthy-captured.yaml', 'Healthy', '2 of 2 updated pods are available'],
    ['daemonset-no-eligible-nodes-captured.yaml', 'Healthy', 'no node is eligible to run a pod'],
  ]);
});
