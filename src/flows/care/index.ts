import type { Flow } from '../flow.js';
import { complaintFlow } from './complaint.flow.js';
import { membershipFlow } from './membership.flow.js';
import { pointsFlow } from './points.flow.js';
import { redeemFlow } from './redeem.flow.js';
import { reviewFlow } from './review.flow.js';
import { surveyFlow } from './survey.flow.js';
import { ticketStatusFlow } from './ticket-status.flow.js';

export { careShortcuts } from './shortcuts.js';

/** Flows of this area, registered with the router by src/main.ts. */
export const careFlows: Flow[] = [complaintFlow, ticketStatusFlow, surveyFlow, reviewFlow, membershipFlow, pointsFlow, redeemFlow];
