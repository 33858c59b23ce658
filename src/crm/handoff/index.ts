import type { Job } from '../../scheduler/scheduler.js';
import { CannedResponses } from './canned-responses.js';
import { HandoffQueueService, type HandoffQueueDeps } from './handoff-queue.service.js';

export { HandoffQueueService, SYSTEM_ACTOR } from './handoff-queue.service.js';
export { CannedResponses } from './canned-responses.js';
export { AGENT_EVENTS, AGENT_INBOUND, type Actor, type AgentEvent } from './handoff.types.js';

export interface HandoffWorkspaceDeps extends HandoffQueueDeps {
  configDir: string;
  /** Agent-owned threads quiet for this long go back to the bot (default 15). */
  idleMinutes?: number;
}

/** The agent workspace: queue service, canned responses and the idle hand-back job. */
export function buildHandoffWorkspace(deps: HandoffWorkspaceDeps): { handoffQueue: HandoffQueueService; canned: CannedResponses; jobs: Job[] } {
  const handoffQueue = new HandoffQueueService(deps);
  const canned = CannedResponses.fromConfig(deps.configDir, deps.db);
  const idleMinutes = deps.idleMinutes ?? 15;
  const jobs: Job[] = [{ name: 'handoff.idle-handback', cron: '*/1 * * * *', run: (now) => handoffQueue.handBackIdle(now, idleMinutes) }];
  return { handoffQueue, canned, jobs };
}
