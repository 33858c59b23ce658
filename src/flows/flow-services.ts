import type { ConsentService } from '../crm/consent/consent.service.js';
import type { CustomerRepository } from '../crm/customers/customer.repository.js';
import type { HandoffService } from '../crm/handoff/handoff.service.js';

/**
 * The business services flows may call. Flows never touch a platform SDK or SQL directly; later
 * issues add catalog, orders, loyalty, tickets and hand-off here.
 */
export interface FlowServices {
  consent: ConsentService;
  customers: CustomerRepository;
  handoff: HandoffService;
  [name: string]: unknown;
}
