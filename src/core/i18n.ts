import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readConfigFile } from './config.js';
import { AppError } from './errors.js';
import { LOCALES, type Locale } from './message.js';

const repliesSchema = z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]));
export type ReplyCatalog = z.infer<typeof repliesSchema>;
export type Vars = Record<string, string | number | undefined>;

/**
 * Reply texts per locale from config/replies/<locale>.json. A key may hold several variants
 * (picked in turn so the bot does not sound canned). `{name}` placeholders are filled from vars.
 */
export class Translator {
  private readonly turn = new Map<string, number>();

  constructor(
    private readonly catalogs: Record<Locale, ReplyCatalog>,
    readonly defaultLocale: Locale = 'en',
  ) {
    for (const key of Object.keys(catalogs.en)) {
      for (const locale of LOCALES) {
        if (!(key in catalogs[locale])) throw new AppError('config_invalid', `reply "${key}" has no ${locale} text in config/replies/${locale}.json`);
      }
    }
  }

  /**
   * Loads config/replies/<locale>.json plus every config/replies/<locale>/*.json (one file per
   * feature area); a key defined twice is an error naming both files.
   */
  static fromConfig(configDir: string, defaultLocale: Locale = 'en'): Translator {
    const catalogs = Object.fromEntries(LOCALES.map((l) => [l, loadLocale(configDir, l)])) as Record<Locale, ReplyCatalog>;
    return new Translator(catalogs, defaultLocale);
  }

  has(key: string): boolean {
    return key in this.catalogs.en;
  }

  /** The text for `key` in `locale`, with placeholders filled. Unknown keys throw (a bug, not input). */
  t(locale: Locale, key: string, vars: Vars = {}): string {
    const entry = this.catalogs[locale]?.[key] ?? this.catalogs[this.defaultLocale][key];
    if (entry === undefined) throw new AppError('internal', `no reply text for "${key}"`);
    const text = Array.isArray(entry) ? this.pick(`${locale}:${key}`, entry) : entry;
    return text.replace(/\{(\w+)\}/g, (m, name: string) => (vars[name] === undefined ? m : String(vars[name])));
  }

  private pick(id: string, variants: string[]): string {
    const n = this.turn.get(id) ?? 0;
    this.turn.set(id, n + 1);
    return variants[n % variants.length];
  }
}

function loadLocale(configDir: string, locale: Locale): ReplyCatalog {
  const files = [`replies/${locale}.json`];
  const dir = join(configDir, 'replies', locale);
  if (existsSync(dir)) files.push(...readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => `replies/${locale}/${f}`));
  const merged: ReplyCatalog = {};
  const origin = new Map<string, string>();
  for (const file of files) {
    for (const [key, text] of Object.entries(readConfigFile(configDir, file, repliesSchema))) {
      if (origin.has(key)) throw new AppError('config_invalid', `reply "${key}" is defined in both ${origin.get(key)} and ${file}`);
      origin.set(key, file);
      merged[key] = text;
    }
  }
  return merged;
}
