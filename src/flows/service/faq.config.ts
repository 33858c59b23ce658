import { z } from 'zod';
import { CONFIG_DIR, readConfigFile } from '../../core/config.js';
import type { Locale } from '../../core/message.js';

const localized = z.object({ en: z.string().trim().min(1), 'zh-CN': z.string().trim().min(1) }).strict();
const intentName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be an intent name like delivery_options');

const entrySchema = z
  .object({
    title: localized,
    answer: localized,
    /** A page the answer points to, shown as a URL button. */
    link: z.object({ url: z.string().min(1), label: localized }).strict().optional(),
    /** Intents offered as quick replies after the answer. */
    followUps: z.array(intentName).max(5).default([]),
  })
  .strict();

const settingValue = z.union([z.string().min(1), z.number(), localized]);

/** Shape of config/faq.json: shop settings used as `{placeholders}`, and one entry per intent. */
export const faqConfigSchema = z
  .object({
    settings: z.record(z.string().regex(/^\w+$/), settingValue),
    entries: z.record(intentName, entrySchema),
  })
  .strict()
  .superRefine((faq, ctx) => {
    // A placeholder without a setting would reach the customer as "{accountUrl}": refuse at start-up.
    for (const [intent, entry] of Object.entries(faq.entries)) {
      const texts = [entry.answer.en, entry.answer['zh-CN'], entry.link?.url ?? ''];
      for (const text of texts) {
        for (const [, name] of text.matchAll(/\{(\w+)\}/g)) {
          if (!(name in faq.settings)) ctx.addIssue({ code: 'custom', path: ['entries', intent], message: `uses {${name}}, which is not in settings` });
        }
      }
    }
  });

export type FaqConfig = z.infer<typeof faqConfigSchema>;
export type FaqEntry = FaqConfig['entries'][string];

/** A ready-to-send FAQ answer in one locale, placeholders filled. */
export interface FaqAnswer {
  intent: string;
  title: string;
  text: string;
  link?: { url: string; label: string };
  followUps: string[];
}

/** The FAQ book: answers from config/faq.json, with shop settings filled in. */
export class FaqBook {
  constructor(private readonly config: FaqConfig) {}

  /** Reads and validates `faq.json` in `configDir` (throws `config_invalid` naming the field). */
  static fromConfig(configDir: string = CONFIG_DIR): FaqBook {
    return new FaqBook(readConfigFile(configDir, 'faq.json', faqConfigSchema));
  }

  has(intent: string): boolean {
    return intent in this.config.entries;
  }

  intents(): string[] {
    return Object.keys(this.config.entries);
  }

  /** A setting in `locale` (a localized setting picks its locale; numbers become text). */
  setting(name: string, locale: Locale): string | undefined {
    const value = this.config.settings[name];
    if (value === undefined) return undefined;
    return typeof value === 'object' ? value[locale] : String(value);
  }

  /** Every setting in `locale`, for filling reply templates. */
  settings(locale: Locale): Record<string, string> {
    return Object.fromEntries(Object.keys(this.config.settings).map((k) => [k, this.setting(k, locale)!]));
  }

  title(intent: string, locale: Locale): string | undefined {
    return this.config.entries[intent]?.title[locale];
  }

  /** The answer for `intent` in `locale`, or undefined when the FAQ has none. */
  answer(intent: string, locale: Locale): FaqAnswer | undefined {
    const entry = this.config.entries[intent];
    if (!entry) return undefined;
    const vars = this.settings(locale);
    const fill = (text: string) => text.replace(/\{(\w+)\}/g, (m, name: string) => vars[name] ?? m);
    return {
      intent,
      title: entry.title[locale],
      text: fill(entry.answer[locale]),
      link: entry.link && { url: fill(entry.link.url), label: entry.link.label[locale] },
      followUps: [...entry.followUps],
    };
  }
}

let shared: FaqBook | undefined;

/**
 * The FAQ book from the default config directory, read and validated once per process. Other
 * flows (e.g. an order flow answering delivery_period for no particular order) may use it too.
 */
export function faqBook(): FaqBook {
  shared ??= FaqBook.fromConfig();
  return shared;
}
