import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedMutex, MemoryFetchCoordinator, SingleFlight } from './fetch-coordinator.ts';

describe('SingleFlight', () => {
  it('runs concurrent work of one key once, and again after it finished', async () => {
    const flights = new SingleFlight();
    let runs = 0;
    const work = async (): Promise<number> => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return runs;
    };
    assert.deepEqual(await Promise.all([flights.run('k', work), flights.run('k', work), flights.run('other', work)]), [2, 2, 2]);
    assert.equal(runs, 2);
    await flights.run('k', work);
    assert.equal(runs, 3);
  });
});

describe('KeyedMutex', () => {
  it('runs work of one key one at a time, in order', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const task = (name: string) => mutex.run('repo', async () => {
      events.push(`start ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`end ${name}`);
    });
    await Promise.all([task('a'), task('b')]);
    assert.deepEqual(events, ['start a', 'end a', 'start b', 'end b']);
  });
});

describe('MemoryFetchCoordinator', () => {
  it('hands a lock to one holder until it is released or expires', async () => {
    const coordinator = new MemoryFetchCoordinator();
    const release = await coordinator.tryLock('k', 1000);
    assert.ok(release);
    assert.equal(await coordinator.tryLock('k', 1000), undefined);
    await release();
    assert.ok(await coordinator.tryLock('k', 1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(await coordinator.tryLock('k', 1000));
  });

  it('forgets a refs record after its time to live', async () => {
    let now = 1_000;
    const coordinator = new MemoryFetchCoordinator(() => now);
    await coordinator.writeRefs('k', { refs: [], checkedAt: 1 }, 5);
    now += 4;
    assert.deepEqual(await coordinator.readRefs('k'), { refs: [], checkedAt: 1 });
    now += 2;
    assert.equal(await coordinator.readRefs('k'), undefined);
  });
});
