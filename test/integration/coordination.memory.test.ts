import { describe, expect, it } from 'vitest';
import { MemoryCoordination } from '../../src/storage/coordination.memory.js';
import { describeCoordinationContract } from './coordination.contract.js';

describeCoordinationContract('memory', async () => new MemoryCoordination(), { instancesShareState: false });

describe('memory coordination', () => {
  it('hands a busy lock to waiters in the order they asked', async () => {
    const coordination = new MemoryCoordination();
    const order: number[] = [];
    const holder = await coordination.acquireLock('fifo', 5000);
    const waiters = [1, 2, 3].map((n) =>
      coordination.acquireLock('fifo', 5000, 2000).then(async (lock) => {
        order.push(n);
        await lock!.release();
      }),
    );
    await holder!.release();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    await coordination.close();
  });

  it('answers a pending lock waiter with null when closed', async () => {
    const coordination = new MemoryCoordination();
    await coordination.acquireLock('busy', 60_000);
    const waiting = coordination.acquireLock('busy', 60_000, 60_000);
    await coordination.close();
    expect(await waiting).toBeNull();
  });

  it('reports itself down and refuses work after close', async () => {
    const coordination = new MemoryCoordination();
    await coordination.set('k', 'v', 60_000);
    await coordination.close();
    expect(await coordination.ping()).toBe(false);
    await expect(coordination.get('k')).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('keeps delivering to other subscribers when one handler throws', async () => {
    const errors: unknown[] = [];
    const coordination = new MemoryCoordination({ onHandlerError: (err) => errors.push(err) });
    const received: string[] = [];
    await coordination.subscribe('c', () => {
      throw new Error('broken subscriber');
    });
    await coordination.subscribe('c', (m) => received.push(m));
    await coordination.publish('c', 'hello');
    await new Promise((r) => setImmediate(r));
    expect(received).toEqual(['hello']);
    expect(errors).toHaveLength(1);
    await coordination.close();
  });
});
