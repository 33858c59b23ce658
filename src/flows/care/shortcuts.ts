import type { Middleware } from '../composer.js';
import type { FlowContext } from '../flow-context.js';
import { pendingSurvey, recordScore, bareScore } from './survey.flow.js';
import { isTicketStatusRequest, ticketStatusFlow } from './ticket-status.flow.js';

/**
 * Care messages the classifier cannot recognise: a bare survey score ("5", "⭐⭐⭐⭐") from a
 * customer with a resolved, unrated ticket, and ticket look-ups ("T-000123", "我的工单").
 * Meant to sit in the pipeline after the keyword commands and before understanding. A message
 * that answers another flow's open question (e.g. "2" picking an option) is left alone.
 */
export const careShortcuts: Middleware<FlowContext> = async (ctx, next) => {
  const active = ctx.session.flow;
  if (active && !active.startsWith('care.survey') && !active.startsWith('care.ticket_status')) return next();
  const score = bareScore(ctx);
  const ticket = score ? await pendingSurvey(ctx) : undefined;
  if (score && ticket) {
    ctx.understanding = { intent: 'ticket_survey', confidence: 1, source: 'keyword' };
    ctx.session.fallbacks = 0;
    await recordScore(ctx, ticket, score);
    return;
  }
  const text = ctx.message.text ?? '';
  if (!ctx.message.payload && isTicketStatusRequest(text)) {
    ctx.understanding = { intent: 'ticket_status', confidence: 1, source: 'keyword' };
    ctx.session.fallbacks = 0;
    await ticketStatusFlow.start(ctx);
    return;
  }
  await next();
};
