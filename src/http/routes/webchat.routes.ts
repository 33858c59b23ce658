import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { LOCALES, type Locale } from '../../core/message.js';
import type { WebchatAdapter } from '../../channels/webchat/webchat.adapter.js';
import type { ConversationRepository } from '../../crm/conversations/conversation.repository.js';
import type { TranscriptRepository } from '../../crm/conversations/transcript.repository.js';
import { MAX_TEXT_LENGTH } from '../../flows/pipeline.js';
import { parseBody } from '../validate.js';

const messageSchema = z
  .object({
    sessionId: z.string().min(1).max(200).optional(),
    text: z.string().max(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`).optional(),
    payload: z.string().min(1).max(200).optional(),
    locale: z.enum(LOCALES as [Locale, ...Locale[]]).optional(),
    clientMessageId: z.string().min(1).max(100).optional(),
  })
  .refine((b) => (b.text !== undefined && b.text.trim().length > 0) || b.payload !== undefined, {
    message: 'text is required (a non-empty string) unless a button payload is sent',
    path: ['text'],
  });

/** POST /chat/messages and GET /chat/history (DESIGN §4). */
export function webchatRoutes(adapter: WebchatAdapter, conversations: ConversationRepository, transcripts: TranscriptRepository): Router {
  const router = Router();
  router.post('/chat/messages', async (req, res) => {
    if (!req.is('application/json')) throw new AppError('bad_request', 'Content-Type must be application/json');
    const body = parseBody(messageSchema, req.body);
    const { sessionId, result } = await adapter.turn(body);
    res.json({
      sessionId,
      locale: result.locale,
      replies: result.replies.map((r) => ({ text: r.text, ...(r.quickReplies ? { quickReplies: r.quickReplies } : {}), ...(r.buttons ? { buttons: r.buttons } : {}) })),
    });
  });
  router.get('/chat/history', async (req, res) => {
    const token = typeof req.query.sessionId === 'string' ? req.query.sessionId : '';
    if (!token) throw new AppError('bad_request', 'sessionId query parameter is required');
    const id = adapter.sessionId(token);
    const conversation = await conversations.findByExternal('webchat', id);
    const messages = conversation ? await transcripts.forConversation(conversation.id) : [];
    res.json({ sessionId: token, messages });
  });
  return router;
}
