/**
 * What an agent does to a conversation: claim, take over from the bot,
 * write (a reply or an internal note), resend a failed reply, transfer, hand back, resolve. Core
 * checks who may do what and records each as an event with the agent's id;
 * the answer is the conversation as the action left it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type AnswerOf,
  type Conversation,
  forgetStoredFiles,
  IdParamsSchema,
  MessageBodySchema,
  NoBodySchema,
  ResendParamsSchema,
  TransferBodySchema,
} from '../../core/index.js';
import type { ServerContext } from '../app.js';
import { refuseLargeBodyWithoutFile, storeUploads, uploadBodyLimit } from './attachments.js';
import { agentOf } from './auth.js';
import { parseInput } from './input.js';

type ConversationAnswer = AnswerOf<'POST /admin/v1/conversations/:id/claim'>;

type Action = (conversationId: string, agentId: string) => Promise<{ conversation: Conversation }>;

export function actionRoutes(scope: FastifyInstance, { human, desk, config }: ServerContext): void {
  const target = (request: FastifyRequest) => ({
    id: parseInput(IdParamsSchema, request.params, 'The path').id,
    agentId: agentOf(request).id,
  });

  const simple: ReadonlyArray<[string, Action]> = [
    ['claim', (id, agentId) => human.claim(id, agentId)],
    ['takeover', (id, agentId) => human.takeover(id, agentId)],
    ['release', (id, agentId) => human.release(id, agentId)],
    ['resolve', (id, agentId) => human.resolve(id, agentId)],
  ];
  for (const [name, act] of simple) {
    scope.post(`/admin/v1/conversations/:id/${name}`, async (request): Promise<ConversationAnswer> => {
      const { id, agentId } = target(request);
      parseInput(NoBodySchema, request.body, 'The body');
      const { conversation } = await act(id, agentId);
      return { conversation };
    });
  }

  scope.post(
    '/admin/v1/conversations/:id/messages',
    // A file comes in the body, in base64 (attachments.ts).
    { bodyLimit: uploadBodyLimit(config.attachments.maxBytes) },
    async (request, reply): Promise<AnswerOf<'POST /admin/v1/conversations/:id/messages'>> => {
      const { id, agentId } = target(request);
      const body = parseInput(MessageBodySchema, request.body, 'The body');
      refuseLargeBodyWithoutFile(request.headers['content-length'], body.attachments);
      const { text, internal } = body;
      // Stored before the reply that names them: nothing is sent that was not first stored.
      const files = await storeUploads(desk, body.attachments, text, config.attachments.maxBytes, id);
      const written = internal ? human.note(id, agentId, text, files) : human.reply(id, agentId, text, files);
      const { message, conversation } = await written.catch(async (err: unknown) => {
        // Refused (not the owner, the reply window closed…): no message names the files.
        await forgetStoredFiles(desk.store, files).catch(() => undefined);
        throw err;
      });
      void reply.status(201);
      return { message, conversation };
    },
  );

  // A reply the channel failed to deliver (see `undelivered` in the conversation) goes out once more.
  scope.post('/admin/v1/conversations/:id/messages/:messageId/resend', async (request): Promise<ConversationAnswer> => {
    const { id, messageId } = parseInput(ResendParamsSchema, request.params, 'The path');
    parseInput(NoBodySchema, request.body, 'The body');
    const { conversation } = await human.resend(id, agentOf(request).id, messageId);
    return { conversation };
  });

  scope.post('/admin/v1/conversations/:id/transfer', async (request): Promise<ConversationAnswer> => {
    const { id, agentId } = target(request);
    const to = parseInput(TransferBodySchema, request.body, 'The body');
    const { conversation } = await human.transfer(id, agentId, to);
    return { conversation };
  });
}
