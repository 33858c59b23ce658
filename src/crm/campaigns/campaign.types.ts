import type { ColumnType, Generated, Selectable } from 'kysely';
import { z } from 'zod';
import cron from 'node-cron';
import { LOCALES, type Locale } from '../../core/message.js';
import { isTimeZone } from '../../core/time-zone.js';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export const CAMPAIGN_STATUSES = ['draft', 'approved', 'scheduled', 'sending', 'paused', 'done', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export type DeliveryState = 'queued' | 'sent' | 'failed' | 'skipped';

/** Why a recipient got no message (materialisation, send time, or the outbox). */
export type SuppressionReason = 'no_consent' | 'unreachable' | 'capped' | 'consent_withdrawn' | 'cancelled' | 'erased';

export interface CampaignMessage {
  text: string;
  buttons?: Array<{ label: string; payload?: string; url?: string }>;
}
export type CampaignSchedule = { at: string } | { cron: string; timezone: string };

export interface CampaignsTable {
  id: string;
  name: string;
  segment_id: string;
  channels: string[];
  messages: Json<Partial<Record<Locale, CampaignMessage>>>;
  schedule: Json<CampaignSchedule>;
  status: CampaignStatus;
  paused_from: CampaignStatus | null;
  created_by: string;
  approved_by: string | null;
  approved_at: Timestamp | null;
  conversion_window_days: number;
  frequency_cap_max: number | null;
  frequency_cap_days: number | null;
  next_fire_at: Timestamp | null;
  last_fired_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface CampaignRunsTable {
  id: string;
  campaign_id: string;
  fire_at: Timestamp;
  status: 'sending' | 'done' | 'cancelled';
  targeted: number;
  suppressed: Json<Record<string, number>>;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
}

export interface CampaignDeliveriesTable {
  id: Generated<string>;
  campaign_id: string;
  run_id: string;
  recurring: boolean;
  customer_id: string;
  channel: string | null;
  recipient: string | null;
  locale: string;
  state: DeliveryState;
  reason: string | null;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  quiet_deferred: ColumnType<boolean, boolean | undefined, boolean>;
  enqueued_at: Timestamp | null;
  outbox_id: string | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
}

declare module '../../storage/schema.js' {
  interface Database {
    campaigns: CampaignsTable;
    campaign_runs: CampaignRunsTable;
    campaign_deliveries: CampaignDeliveriesTable;
  }
}

export type CampaignRow = Selectable<CampaignsTable>;
export type CampaignRunRow = Selectable<CampaignRunsTable>;

const button = z.strictObject({
  label: z.string().trim().min(1).max(64),
  payload: z.string().max(64).optional(),
  url: z.string().url().max(2000).optional(),
});
const message = z.strictObject({ text: z.string().trim().min(1).max(4000), buttons: z.array(button).max(6).optional() });

export const scheduleSchema = z.union([
  z.strictObject({ at: z.string().datetime({ offset: true, message: 'must be an ISO-8601 time with a zone, e.g. 2026-05-01T09:00:00Z' }) }),
  z.strictObject({
    cron: z.string().trim().min(9).max(100).refine((v) => cron.validate(v), 'is not a valid cron expression'),
    timezone: z.string().min(1).max(64).refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin'),
  }),
], { message: 'must be {at: ISO-8601} or {cron, timezone}' });

/** `POST /api/campaigns` body (the DESIGN shape plus optional tuning). */
export const createCampaignSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  segmentId: z.string().uuid('must be a segment id'),
  channels: z.array(z.string().trim().min(1).max(40)).min(1).max(8).refine((c) => new Set(c).size === c.length, 'must not repeat a channel'),
  messages: z
    .record(z.string(), message)
    .refine((m) => Object.keys(m).length > 0, 'needs at least one locale')
    .refine((m) => Object.keys(m).every((k) => (LOCALES as readonly string[]).includes(k)), `locales must be among ${LOCALES.join(', ')}`),
  schedule: scheduleSchema,
  conversionWindowDays: z.number().int().min(1).max(90).optional(),
  frequencyCap: z.strictObject({ max: z.number().int().min(1).max(100), days: z.number().int().min(1).max(90) }).optional(),
});
export type CreateCampaignInput = z.infer<typeof createCampaignSchema>;

/** A campaign as the API shows it. */
export interface Campaign {
  id: string;
  name: string;
  segmentId: string;
  channels: string[];
  messages: Partial<Record<Locale, CampaignMessage>>;
  schedule: CampaignSchedule;
  status: CampaignStatus;
  createdBy: string;
  approvedBy: string | null;
  approvedAt: Date | null;
  conversionWindowDays: number;
  frequencyCap: { max: number; days: number } | null;
  nextFireAt: Date | null;
  lastFiredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toCampaign(r: CampaignRow): Campaign {
  return {
    id: r.id, name: r.name, segmentId: r.segment_id, channels: r.channels, messages: r.messages, schedule: r.schedule, status: r.status,
    createdBy: r.created_by, approvedBy: r.approved_by, approvedAt: r.approved_at, conversionWindowDays: r.conversion_window_days,
    frequencyCap: r.frequency_cap_max && r.frequency_cap_days ? { max: r.frequency_cap_max, days: r.frequency_cap_days } : null,
    nextFireAt: r.next_fire_at, lastFiredAt: r.last_fired_at, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** Rules shared by every campaign of this instance (quiet hours, frequency cap, worker sizes). */
export interface CampaignPolicy {
  /** Local quiet hours, `HH:MM`; a window may wrap midnight (21:00–09:00). */
  quietHours: { start: string; end: string } | null;
  /** Zone for customers without a valid `timezone`. */
  defaultTimezone: string;
  /** Marketing messages per customer across campaigns in a rolling window. */
  frequencyCap: { max: number; days: number };
  /** Deliveries handed to the outbox per worker round. */
  batchSize: number;
  /** At most this many handed-over deliveries may wait in the outbox, so pause and STOP act quickly. */
  maxInFlight: number;
  /** Base URL for unsubscribe links (PUBLIC_URL). */
  publicUrl: string;
}

export const DEFAULT_POLICY: CampaignPolicy = {
  quietHours: { start: '21:00', end: '09:00' },
  defaultTimezone: 'UTC',
  frequencyCap: { max: 2, days: 7 },
  batchSize: 100,
  maxInFlight: 200,
  publicUrl: 'http://127.0.0.1:3000',
};

/** Per-campaign, per-locale figures of `GET /campaigns/:id/results`. */
export interface LocaleResults {
  locale: string;
  targeted: number;
  suppressed: Record<string, number>;
  queued: number;
  deferredQuietHours: number;
  sent: number;
  failed: number;
  replied: number;
  unsubscribed: number;
  orders: number;
  revenue: number;
}
