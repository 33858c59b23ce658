import type { Clock } from '../../core/clock.js';
import type { Db } from '../../storage/database.js';
import { loadTicketConfig } from './ticket.config.js';
import { TicketRepository } from './ticket.repository.js';
import { TicketService } from './ticket.service.js';
import type { NotifyFn, Ticket } from './ticket.types.js';

export { TicketService } from './ticket.service.js';
export { TicketRepository } from './ticket.repository.js';
export type * from './ticket.types.js';

export interface TicketModule {
  tickets: TicketService;
  jobs: { detectBreaches(now?: Date): Promise<Ticket[]> };
}

/** Builds the ticket module: reads `tickets.json` from `configDir` (fails fast on a bad file). */
export function buildTicketModule(deps: { db: Db; clock: Clock; configDir: string; notify: NotifyFn }): TicketModule {
  const config = loadTicketConfig(deps.configDir);
  const tickets = new TicketService(new TicketRepository(deps.db), deps.clock, config, deps.notify);
  return { tickets, jobs: { detectBreaches: (now?: Date) => tickets.detectBreaches(now) } };
}
