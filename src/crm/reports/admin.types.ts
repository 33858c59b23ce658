import type { ColumnType, Generated } from 'kysely';

/** Training phrases added through the admin API (migration 0011-admin). */
export interface TrainingPhrasesTable {
  id: Generated<string>;
  intent: string;
  locale: string;
  text: string;
  created_by: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

declare module '../../storage/schema.js' {
  interface Database {
    training_phrases: TrainingPhrasesTable;
  }
}

/** A training phrase as the admin API shows it; `source` says where it lives. */
export interface TrainingPhrase {
  text: string;
  locale: string;
  source: 'config' | 'admin';
  createdBy?: string | null;
  createdAt?: Date;
}
