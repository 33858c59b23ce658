import type { Order } from '../../crm/orders/order.types.js';
import type { TicketCategory, TicketWish } from '../../crm/tickets/index.js';
import type { FlowContext } from '../flow-context.js';
import { customerIdOf } from './customer-ref.js';

export interface OrderTicketRequest {
  category: TicketCategory;
  /** Reply key of the subject (always written in English for the team). */
  subject: string;
  wish?: TicketWish;
  description?: string;
}

/**
 * Opens a ticket about the customer's own order for the team and returns its number. The key
 * comes from the inbound message, so a redelivered message returns the same ticket.
 */
export async function openOrderTicket(ctx: FlowContext, order: Order, request: OrderTicketRequest): Promise<string> {
  const ticket = await ctx.services.tickets.create({
    customerId: customerIdOf(ctx),
    channel: ctx.message.channel,
    category: request.category,
    subject: `${request.subject} (order ${order.id}, ${order.status})`,
    description: request.description ?? ctx.message.text ?? undefined,
    ...(request.wish ? { wish: request.wish } : {}),
    orderId: order.id,
    conversationId: ctx.conversation.id,
    idempotencyKey: ctx.idempotencyKey('ticket'),
  });
  return ticket.number;
}
