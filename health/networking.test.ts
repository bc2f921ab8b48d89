import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('Service health', () => {
  itAssessesFixtures(['service-'], [
    ['service-clusterip.yaml', 'Healthy', 'ClusterIP service'],
    ['service-nodeport.yaml', 'Healthy', 'NodePort service'],
    ['service-externalname.yaml', 'Healthy', 'ExternalName service'],
    ['service-loadbalancer-pending.yaml', 'Progressing', 'waiting for a load balancer address'],
    ['service-loadbalancer-ready.yaml', 'Healthy', 'load balancer at 203.0.113.10'],
    ['service-loadbalancer-hostname.yaml', 'Healthy', 'load balancer at a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6-1234567890.eu-west-1.elb.amazonaws.com'],
    ['service-clusterip-captured.yaml', 'Healthy', 'ClusterIP service'],
    ['service-loadbalancer-pending-captured.yaml', 'Progressing', 'waiting for a load balancer address'],
  ]);
});

describe('Ingress health', () => {
  itAssessesFixtures(['ingress-'], [
    ['ingress-pending.yaml', 'Progressing', 'waiting for the ingress controller to assign an address'],
    ['ingress-address-assigned.yaml', 'Healthy', 'served at 198.51.100.24'],
    ['ingress-hostname-assigned.yaml', 'Healthy', 'served at shop-lb.example.net'],
    ['ingress-pending-captured.yaml', 'Progressing', 'waiting for the ingress controller to assign an address'],
  ]);
});
