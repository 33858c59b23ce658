import { z } from 'zod';
import { readConfigFile } from '../../core/config.js';
import { TICKET_PRIORITIES, type TicketPriority } from './ticket.types.js';

const hours = z.number().positive().max(24 * 365);
const slaTarget = z.strictObject({ firstResponseHours: hours, resolutionHours: hours });

/** `config/tickets.json`: SLA hours per priority, tier multipliers (below 1 = faster), survey reply key. */
export const ticketConfigSchema = z
  .strictObject({
    sla: z.strictObject({ low: slaTarget, normal: slaTarget, high: slaTarget, urgent: slaTarget }),
    tierMultipliers: z.record(z.string().min(1), z.number().positive().max(10)).default({}),
    defaultPriority: z.enum(TICKET_PRIORITIES).default('normal'),
    survey: z.strictObject({ key: z.string().min(1) }).default({ key: 'ticket.survey' }),
  })
  .refine((c) => TICKET_PRIORITIES.every((p) => c.sla[p].firstResponseHours <= c.sla[p].resolutionHours), {
    message: 'firstResponseHours must not exceed resolutionHours',
    path: ['sla'],
  });

export type TicketConfig = z.infer<typeof ticketConfigSchema>;

/** Reads and validates `tickets.json` from the config folder (AppError config_invalid naming the field). */
export function loadTicketConfig(configDir: string): TicketConfig {
  return readConfigFile(configDir, 'tickets.json', ticketConfigSchema);
}

const HOUR_MS = 3_600_000;

/** Due times for a new ticket: the priority's hours scaled by the customer's tier multiplier (1 when unknown). */
export function slaDueTimes(config: TicketConfig, priority: TicketPriority, tier: string | null, from: Date) {
  const target = config.sla[priority];
  const factor = tier ? (config.tierMultipliers[tier] ?? config.tierMultipliers[tier.toLowerCase()] ?? 1) : 1;
  return {
    firstResponseDueAt: new Date(from.getTime() + Math.round(target.firstResponseHours * factor * HOUR_MS)),
    resolutionDueAt: new Date(from.getTime() + Math.round(target.resolutionHours * factor * HOUR_MS)),
  };
}
