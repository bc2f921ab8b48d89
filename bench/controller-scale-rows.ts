/**
 * The rows of bench/controller-scale.ts for `npm run bench`: built from the
 * figures it writes with --out (and --json), so that benchmark's own file needs
 * only to call this. Flux's figures are published ones from another machine:
 * shown beside Berth's, never divided by.
 */
import type { BenchResult, BenchRow } from './report.ts';

/** The part of controller-scale's figures the rows need. */
export interface ScaleFigures {
  apps: number;
  objects: number;
  concurrency: number;
  convergeSeconds: number;
  peakRssMiB: number;
  steady: { seconds: number; controllerWrites: number; controllerCpuSeconds: number };
  flux: { convergeSeconds: number; peakRssMiB: number };
}

const fluxSource = 'Flux (1,000 Kustomizations, 16-core GitHub runner)';

export function scaleRows(figures: ScaleFigures): BenchRow[] {
  const size = `${figures.apps.toLocaleString('en-US')} Applications, ${figures.objects.toLocaleString('en-US')} objects`;
  const steady = `${figures.apps.toLocaleString('en-US')} Applications, ${figures.steady.seconds} s with no change`;
  return [
    {
      workload: 'Applications converging from cold (all Healthy and Synced)', size,
      berth: { value: figures.convergeSeconds, unit: 's' },
      peer: fluxSource, peerFigure: { value: figures.flux.convergeSeconds, unit: 's' }, published: true,
      notes: `one controller process, concurrency ${figures.concurrency}; target <= 120 s`,
    },
    {
      workload: 'controller peak RSS while converging', size,
      berth: { value: figures.peakRssMiB, unit: 'MiB' },
      peer: fluxSource, peerFigure: { value: figures.flux.peakRssMiB, unit: 'MiB' }, published: true,
      notes: 'VmRSS sampled every 250 ms; target < 300 MiB',
    },
    {
      workload: 'steady state: controller API write requests', size: steady,
      berth: { value: figures.steady.controllerWrites, unit: 'requests' },
      notes: 'apiserver_request_total, the control plane\'s own writes left out; target 0',
    },
    {
      workload: 'steady state: controller CPU', size: steady,
      berth: { value: figures.steady.controllerCpuSeconds, unit: 'CPU s' },
      notes: `${(figures.steady.controllerCpuSeconds / figures.steady.seconds * 100).toFixed(1)} % of one core`,
    },
  ];
}

export function scaleResult(figures: ScaleFigures & Record<string, unknown>): BenchResult {
  return { bench: 'controller-scale', rows: scaleRows(figures), details: figures };
}
