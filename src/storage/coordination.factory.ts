/**
 * Picks the coordination backend: Redis when a URL is configured (several app instances share
 * state), in-process memory otherwise (a single embedded instance).
 */
import type { Coordination } from './coordination.js';
import { MemoryCoordination } from './coordination.memory.js';
import type { RedisCoordinationOptions } from './coordination.redis.js';

/** Options passed through to the Redis backend; ignored for memory. */
export type CoordinationFactoryOptions = RedisCoordinationOptions & {
  /** Reject when Redis cannot be reached at start-up (default true); false keeps retrying in the background. */
  requireConnection?: boolean;
};

/**
 * Builds the {@link Coordination} for this process. With `redisUrl` it connects to Redis (see
 * {@link RedisCoordination.connect} for what happens when the server is down); without, it is in memory.
 */
export async function createCoordination(
  redisUrl?: string,
  options: CoordinationFactoryOptions = {},
): Promise<Coordination> {
  if (redisUrl && redisUrl.trim() !== '') {
    // ioredis loads only when Redis is configured (it is ~50 ms of an embedded start-up).
    const { RedisCoordination } = await import('./coordination.redis.js');
    return RedisCoordination.connect(redisUrl.trim(), options);
  }
  return new MemoryCoordination();
}
