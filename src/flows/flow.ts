import type { FlowContext } from './flow-context.js';

/**
 * A conversation flow. `start` runs when one of its intents is recognised; `resume` runs the next
 * step while the flow is active (session.flow === name), so multi-turn flows can ask and wait.
 */
export interface Flow {
  readonly name: string;
  readonly intents: readonly string[];
  start(ctx: FlowContext): Promise<void>;
  /** Returns false to decline the message (the customer changed the subject): it is then routed by intent. */
  resume?(ctx: FlowContext): Promise<boolean | void>;
}

/** Marks `flow` as active with `step`, keeping `data` for the next turn. */
export function enterStep(ctx: FlowContext, flow: string, step: string, data: Record<string, unknown> = {}): void {
  ctx.session.flow = flow;
  ctx.session.step = step;
  ctx.session.data = { ...(ctx.session.data ?? {}), ...data };
}

/** Ends the active flow. */
export function endFlow(ctx: FlowContext): void {
  delete ctx.session.flow;
  delete ctx.session.step;
  delete ctx.session.data;
}
