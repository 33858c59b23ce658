import type { CatalogService } from '../crm/catalog/catalog.service.js';
import type { ConsentService } from '../crm/consent/consent.service.js';
import type { CustomerService } from '../crm/customers/customer.service.js';
import type { HandoffService } from '../crm/handoff/handoff.service.js';
import type { LoyaltyService } from '../crm/loyalty/index.js';
import type { OrderService } from '../crm/orders/order.service.js';
import type { TicketService } from '../crm/tickets/index.js';

/**
 * The business services flows may call. Flows never touch a platform SDK or SQL directly.
 */
export interface FlowServices {
  consent: ConsentService;
  customers: CustomerService;
  orders: OrderService;
  loyalty: LoyaltyService;
  tickets: TicketService;
  handoff: HandoffService;
  catalog: CatalogService;
}
