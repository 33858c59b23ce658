import type { Middleware } from './composer.js';
import type { FlowContext } from './flow-context.js';
import type { Flow } from './flow.js';
import { fallbackFlow } from './fallback.flow.js';

/**
 * Routes a turn: the active flow's next step first (multi-turn), else the flow registered for the
 * recognised intent, else the fallback. A recognised intent other than fallback resets the
 * misunderstanding counter.
 */
export class FlowRouter {
  private readonly byName = new Map<string, Flow>();
  private readonly byIntent = new Map<string, Flow>();

  constructor(flows: Flow[]) {
    for (const flow of flows) this.register(flow);
    if (!this.byName.has(fallbackFlow.name)) this.register(fallbackFlow);
  }

  /** Adds a flow; two flows claiming one intent is a wiring bug, so it throws instead of silently picking one. */
  register(flow: Flow): void {
    if (this.byName.has(flow.name)) throw new Error(`flow ${flow.name} is registered twice`);
    this.byName.set(flow.name, flow);
    for (const intent of flow.intents) {
      const other = this.byIntent.get(intent);
      if (other) throw new Error(`intent ${intent} is claimed by both ${other.name} and ${flow.name}`);
      this.byIntent.set(intent, flow);
    }
  }

  /** Intents that lead somewhere (used to validate button payloads). */
  knows(intent: string): boolean {
    return this.byIntent.has(intent);
  }

  middleware(): Middleware<FlowContext> {
    return async (ctx) => {
      const active = ctx.session.flow ? this.byName.get(ctx.session.flow) : undefined;
      const u = ctx.understanding;
      const explicitIntent = u?.source === 'payload' && u.intent !== 'payload';
      if (active?.resume && !explicitIntent) {
        ctx.flowName = active.name;
        // A step may decline (false): the customer changed the subject, so route by intent instead.
        if ((await active.resume(ctx)) !== false) return;
      }
      const intent = ctx.understanding?.intent ?? 'fallback';
      const flow = this.byIntent.get(intent) ?? this.byName.get(fallbackFlow.name)!;
      if (flow.name !== fallbackFlow.name) ctx.session.fallbacks = 0;
      if (active && active !== flow) {
        delete ctx.session.flow;
        delete ctx.session.step;
        delete ctx.session.data;
      }
      ctx.flowName = flow.name;
      await flow.start(ctx);
    };
  }
}
