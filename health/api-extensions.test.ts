import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('APIService health', () => {
  itAssessesFixtures(['apiservice-'], [
    ['apiservice-available.yaml', 'Healthy', 'available, served by service kube-system/metrics-server'],
    ['apiservice-local.yaml', 'Healthy', 'served by the kube-apiserver itself'],
    ['apiservice-missing-endpoints.yaml', 'Progressing', 'waiting to become available: endpoints for service/metrics-server in "kube-system" have no addresses'],
    ['apiservice-failed-discovery-check.yaml', 'Progressing', 'failing or missing response from https://10.244.1.9:10250'],
    ['apiservice-local-captured.yaml', 'Healthy', 'available, served by the kube-apiserver itself'],
    ['apiservice-missing-endpoints-captured.yaml', 'Progressing', 'waiting to become available: endpointslices for service/nobody in "berth-health-apisvc-fb44c18e" have no addresses'],
  ]);
});

describe('CustomResourceDefinition health', () => {
  itAssessesFixtures(['customresourcedefinition-'], [
    ['customresourcedefinition-established.yaml', 'Healthy', 'established: widgets.example.com is served'],
    ['customresourcedefinition-installing.yaml', 'Progressing', 'waiting to be established'],
    ['customresourcedefinition-short-name-conflict.yaml', 'Degraded', 'names not accepted: "deploy" is already in use'],
    ['customresourcedefinition-terminating.yaml', 'Progressing', 'being deleted, waiting for finalizers: customresourcecleanup.apiextensions.k8s.io'],
    ['customresourcedefinition-established-captured.yaml', 'Healthy', 'established: widgets.h612ac1f7.health.berth.dev is served'],
  ]);
});
