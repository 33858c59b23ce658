import type { Update } from 'telegraf/types';

let nextUpdateId = 1_000;
let nextMessageId = 5_000;
let nextCallbackId = 1;

/** Who sends a fake update (a Telegram user). */
export interface FakeUser {
  id: number;
  firstName?: string;
  lastName?: string;
  languageCode?: string;
}

function user(u: FakeUser) {
  return {
    id: u.id,
    is_bot: false,
    first_name: u.firstName ?? 'Ada',
    ...(u.lastName ? { last_name: u.lastName } : {}),
    ...(u.languageCode ? { language_code: u.languageCode } : {}),
  };
}

/** A private-chat text message, as Telegram sends it (chat id = user id). */
export function privateTextUpdate(opts: FakeUser & { text: string; messageId?: number; updateId?: number }): Update {
  return {
    update_id: opts.updateId ?? nextUpdateId++,
    message: {
      message_id: opts.messageId ?? nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: opts.id, type: 'private', first_name: opts.firstName ?? 'Ada' },
      from: user(opts),
      text: opts.text,
      ...(opts.text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: opts.text.split(' ')[0].length }] } : {}),
    },
  } as Update;
}

/** A text message in a group (or supergroup) chat. */
export function groupTextUpdate(opts: FakeUser & { chatId: number; text: string; type?: 'group' | 'supergroup'; updateId?: number }): Update {
  return {
    update_id: opts.updateId ?? nextUpdateId++,
    message: {
      message_id: nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: opts.chatId, type: opts.type ?? 'group', title: 'Shoppers' },
      from: user(opts),
      text: opts.text,
    },
  } as Update;
}

/** A press of an inline keyboard button under one of the bot's messages in a private chat. */
export function callbackQueryUpdate(opts: FakeUser & { data: string; queryId?: string; messageId?: number; updateId?: number }): Update {
  return {
    update_id: opts.updateId ?? nextUpdateId++,
    callback_query: {
      id: opts.queryId ?? `cbq-${Date.now()}-${nextCallbackId++}`,
      from: user(opts),
      chat_instance: `ci-${opts.id}`,
      data: opts.data,
      message: {
        message_id: opts.messageId ?? nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: opts.id, type: 'private', first_name: opts.firstName ?? 'Ada' },
        from: { id: 1, is_bot: true, first_name: 'Patron' },
        text: 'menu',
      },
    },
  } as Update;
}

/** The same message in a fresh update (Telegram re-sending after a webhook change or a crash). */
export function redelivered(update: Update): Update {
  return { ...update, update_id: nextUpdateId++ };
}
