import { describe } from 'node:test';
import { itAssessesFixtures } from './testdata/fixture-table.ts';

describe('Job health', () => {
  itAssessesFixtures(['job-'], [
    ['job-complete.yaml', 'Healthy', 'job completed: 1 pod succeeded'],
    ['job-running.yaml', 'Progressing', 'job is running: 1 active pod, 0 of 1 completions'],
    ['job-starting.yaml', 'Progressing', 'waiting for job pods to start'],
    ['job-success-criteria-met.yaml', 'Progressing', 'job succeeded, waiting for its pods to terminate'],
    ['job-failure-target.yaml', 'Degraded', 'job is failing, its pods are terminating: Job has reached the specified backoff limit'],
    ['job-failed.yaml', 'Degraded', 'job failed: Job has reached the specified backoff limit'],
    ['job-deadline-exceeded.yaml', 'Degraded', 'job failed: Job was active longer than specified deadline'],
    ['job-suspended.yaml', 'Suspended', 'job is suspended'],
    ['job-complete-captured.yaml', 'Healthy', 'job completed: 1 pod succeeded'],
    ['job-deadline-exceeded-captured.yaml', 'Degraded', 'job failed: Job was active longer than specified deadline'],
    ['job-suspended-captured.yaml', 'Suspended', 'job is suspended'],
  ]);
});

describe('CronJob health', () => {
  itAssessesFixtures(['cronjob-'], [
    ['cronjob-last-succeeded.yaml', 'Healthy', 'the last job (scheduled at 2026-11-21T10:00:00Z) succeeded'],
    ['cronjob-running.yaml', 'Healthy', '1 job running'],
    ['cronjob-never-scheduled.yaml', 'Healthy', 'no job has been scheduled yet'],
    ['cronjob-suspended.yaml', 'Suspended', 'cron job is suspended'],
    ['cronjob-last-failed.yaml', 'Degraded', 'the last job (scheduled at 2026-11-21T10:15:00Z) did not succeed'],
    ['cronjob-failed-before-last-change.yaml', 'Healthy', 'did not succeed, but the cron job has changed since'],
    ['cronjob-last-failed-captured.yaml', 'Degraded', 'the last job (scheduled at 2026-11-22T07:58:00Z) did not succeed'],
    ['cronjob-last-succeeded-captured.yaml', 'Healthy', 'the last job (scheduled at 2026-11-22T07:58:00Z) succeeded'],
    ['cronjob-never-scheduled-captured.yaml', 'Healthy', 'no job has been scheduled yet'],
    ['cronjob-running-captured.yaml', 'Healthy', '1 job running'],
    ['cronjob-suspended-captured.yaml', 'Suspended', 'cron job is suspended'],
  ]);
});
