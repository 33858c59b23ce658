import type { Attachment, Button, OutboundMessage } from '../../core/message.js';
import { toPlainText } from '../../core/message.js';

/** Block Kit limits (https://api.slack.com/reference/block-kit): kept here so rendering never gets a message refused. */
// Below the 3,000-character section limit: escaping (&amp; …) makes the text longer.
const SECTION_TEXT_MAX = 2800;
const BUTTON_TEXT_MAX = 75;
const BUTTON_VALUE_MAX = 2000;
const ACTIONS_PER_BLOCK = 25;
const BLOCKS_MAX = 50;
const FALLBACK_TEXT_MAX = 4000;

/** Action ids we render; a press of anything else is not ours. */
export const QUICK_REPLY_ACTION = /^patron_qr_\d+$/;
export const BUTTON_ACTION = /^patron_(qr|btn)_\d+$/;
const QUICK_REPLY_BLOCK = 'patron_qr';

// Loosely typed on purpose: the @slack/types unions are far wider than what we emit.
export type Block = Record<string, unknown>;

export interface SlackMessageBody {
  text: string;
  blocks: Block[];
}

/** Escapes the three characters Slack treats as markup in mrkdwn and the `text` field. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * An OutboundMessage as Block Kit: the text in sections, attachments as image/link blocks, quick
 * replies and buttons as `actions` blocks, and a plain `text` fallback (notifications, old clients)
 * that also lists the options.
 */
export function renderMessage(message: OutboundMessage): SlackMessageBody {
  const blocks: Block[] = [
    ...chunk(message.text, SECTION_TEXT_MAX).map((part) => ({ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(part) } })),
    ...(message.attachments ?? []).map(attachmentBlock),
    ...actionBlocks(QUICK_REPLY_BLOCK, 'qr', message.quickReplies ?? []),
    ...actionBlocks('patron_btn', 'btn', message.buttons ?? []),
  ];
  return { text: escapeMrkdwn(toPlainText(message)).slice(0, FALLBACK_TEXT_MAX), blocks: blocks.slice(0, BLOCKS_MAX) };
}

/**
 * The blocks of a message after one of its quick replies was pressed: the quick replies go (they
 * answer one question) and a context line shows the choice; persistent buttons stay.
 */
export function afterQuickReply(blocks: Block[], chosenLabel: string): Block[] {
  const kept = blocks.filter((b) => !String(b.block_id ?? '').startsWith(QUICK_REPLY_BLOCK));
  return [...kept, { type: 'context', elements: [{ type: 'mrkdwn', text: `› ${escapeMrkdwn(chosenLabel)}` }] }];
}

function actionBlocks(blockPrefix: string, kind: 'qr' | 'btn', buttons: Button[]): Block[] {
  const usable = buttons.filter((b) => b.payload || b.url);
  const out: Block[] = [];
  for (let i = 0; i < usable.length; i += ACTIONS_PER_BLOCK) {
    const elements = usable.slice(i, i + ACTIONS_PER_BLOCK).map((b, j) => buttonElement(b, `patron_${kind}_${i + j}`));
    out.push({ type: 'actions', block_id: `${blockPrefix}_${i / ACTIONS_PER_BLOCK}`, elements });
  }
  return out;
}

function buttonElement(button: Button, actionId: string): Block {
  const element: Block = {
    type: 'button',
    action_id: actionId,
    text: { type: 'plain_text', text: truncate(button.label || '…', BUTTON_TEXT_MAX), emoji: true },
  };
  if (button.url) element.url = button.url;
  if (button.payload) element.value = button.payload.slice(0, BUTTON_VALUE_MAX);
  return element;
}

function attachmentBlock(attachment: Attachment): Block {
  const name = attachment.name ?? attachment.url;
  if (attachment.type === 'image') {
    return { type: 'image', image_url: attachment.url, alt_text: truncate(name, 2000) };
  }
  return { type: 'section', text: { type: 'mrkdwn', text: `<${attachment.url}|${escapeMrkdwn(name).replace(/\|/g, '¦')}>` } };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// Splits on line breaks where possible so a long answer does not break mid-word.
function chunk(text: string, max: number): string[] {
  if (!text) return [];
  const parts: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const cut = rest.lastIndexOf('\n', max) > max / 2 ? rest.lastIndexOf('\n', max) : max;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest) parts.push(rest);
  return parts;
}
