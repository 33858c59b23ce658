import type { Flow } from '../flow.js';
import { accountLinkFlow } from './account-link.flow.js';
import { deliveryFlow } from './delivery.flow.js';
import { cancellationFeeFlow, orderCancelFlow } from './order-cancel.flow.js';
import { orderChangeFlow } from './order-change.flow.js';
import { orderInvoiceFlow } from './order-invoice.flow.js';
import { orderRefundFlow } from './order-refund.flow.js';
import { orderStatusFlow } from './order-status.flow.js';
import { productFlow } from './product.flow.js';

/** Flows of this area, registered with the router by src/main.ts. */
export const productOrderFlows: Flow[] = [
  productFlow,
  orderStatusFlow,
  deliveryFlow,
  orderCancelFlow,
  cancellationFeeFlow,
  orderChangeFlow,
  orderInvoiceFlow,
  orderRefundFlow,
  accountLinkFlow,
];
