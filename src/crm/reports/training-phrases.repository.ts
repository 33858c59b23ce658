import type { Db } from '../../storage/database.js';
import './admin.types.js';

export interface StoredPhrase {
  intent: string;
  locale: string;
  text: string;
  createdBy: string | null;
  createdAt: Date;
}

/** Training phrases added through the admin API (table `training_phrases`). */
export class TrainingPhrasesRepository {
  constructor(private readonly db: Db) {}

  async all(): Promise<StoredPhrase[]> {
    const rows = await this.db.selectFrom('training_phrases').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ intent: r.intent, locale: r.locale, text: r.text, createdBy: r.created_by, createdAt: r.created_at }));
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('training_phrases').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Inserts the phrases; returns those that were new (a phrase already stored for the intent is skipped). */
  async add(intent: string, locale: string, texts: string[], by: string | null): Promise<string[]> {
    if (texts.length === 0) return [];
    const rows = await this.db
      .insertInto('training_phrases')
      .values(texts.map((text) => ({ intent, locale, text, created_by: by })))
      .onConflict((oc) => oc.doNothing())
      .returning('text')
      .execute();
    return rows.map((r) => r.text);
  }
}
