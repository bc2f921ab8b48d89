import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('PersistentVolumeClaim health', () => {
  itAssessesFixtures(['persistentvolumeclaim-'], [
    ['persistentvolumeclaim-bound.yaml', 'Healthy', 'bound to volume pvc-4e6a8c0e-2b4d-4f6a-9c1e-3a5c7e9b1d3f'],
    ['persistentvolumeclaim-pending.yaml', 'Progressing', 'waiting for a volume to be provisioned or bound'],
    ['persistentvolumeclaim-lost.yaml', 'Degraded', 'the bound volume pvc-4e6a8c0e-2b4d-4f6a-9c1e-3a5c7e9b1d3f is lost'],
    ['persistentvolumeclaim-resizing.yaml', 'Progressing', 'is being resized'],
    ['persistentvolumeclaim-pending-captured.yaml', 'Progressing', 'waiting for a volume to be provisioned or bound'],
  ]);
});

describe('PersistentVolume health', () => {
  itAssessesFixtures(['persistentvolume-'], [
    ['persistentvolume-bound.yaml', 'Healthy', 'bound to claim shop/backup'],
    ['persistentvolume-failed.yaml', 'Degraded', 'reclamation failed: recycle failed'],
  ]);
});
