import type { Flow } from '../flow.js';

/** Flows of this area, registered with the router by src/main.ts. */
export const productOrderFlows: Flow[] = [];
