import type { ColumnType } from 'kysely';

export interface SlackDeskThreadsTable {
  conversation_id: string;
  channel_id: string;
  /** Null between reserving the row and Slack answering the parent post. */
  thread_ts: string | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  mirror_from: ColumnType<Date, Date | string, Date | string>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface SlackDeskPostsTable {
  /** `in:<inbound id>`, `out:<outbox dedupe key>` or `note:<note id>`. */
  item_key: string;
  conversation_id: string;
  message_ts: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  /**
   * When the row was claimed for posting; null once settled (posted, skipped, or written with its
   * ts). A claim older than the lease with no `message_ts` is taken as lost and posted again.
   */
  claimed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface SlackAgentLinksTable {
  slack_user_id: string;
  staff_id: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

declare module '../../../storage/schema.js' {
  interface Database {
    slack_desk_threads: SlackDeskThreadsTable;
    slack_desk_posts: SlackDeskPostsTable;
    slack_agent_links: SlackAgentLinksTable;
  }
}

/** One thing said in a conversation, to be mirrored into its Slack thread once. */
export interface MirrorItem {
  key: string;
  author: 'customer' | 'bot' | 'agent' | 'system' | 'note';
  authorName: string | null;
  text: string;
  at: Date;
}

/** What the parent message of a thread shows. */
export interface ThreadSummary {
  conversationId: string;
  customerName: string | null;
  channel: string;
  owner: 'bot' | 'queue' | 'agent';
  agentName: string | null;
  reason: string | null;
  tier: string | null;
}

/** A staff member acting from Slack. */
export interface DeskStaff {
  id: string;
  name: string;
  role: 'admin' | 'agent' | 'marketer';
}
