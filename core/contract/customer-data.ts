/**
 * The shapes of a customer's data rights on the wire (admin API and control
 * route): an export (GDPR art. 15, 20), an erasure's request and answer
 * (art. 17), and a backup's answer.
 */
import { z } from 'zod';
import { ConversationSchema, CustomerSchema, EventSchema, MessageSchema } from '../domain.js';
import { CustomerLinkSchema } from '../identity/linking.js';

export const CustomerExportSchema = z.object({
  format: z.literal('caredesk.customer-export.v1'),
  exportedAt: z.string(),
  customer: CustomerSchema,
  mergedCustomers: z.array(CustomerSchema),
  links: z.array(CustomerLinkSchema),
  conversations: z.array(z.object({ conversation: ConversationSchema, messages: z.array(MessageSchema) })),
  surveyAnswers: z.array(
    z.object({ conversationId: z.string(), question: z.string(), score: z.number(), at: z.string() }),
  ),
});

/** DELETE /admin/v1/customers/:id: why (kept in the audit, names and user ids in it erased too). */
export const EraseBodySchema = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

export const ErasureCountsSchema = z.object({
  customers: z.number(),
  conversations: z.number(),
  messages: z.number(),
  events: z.number(),
  outbox: z.number(),
  records: z.number(),
  files: z.number(),
});

export const ErasedAnswerSchema = z.object({
  customerIds: z.array(z.string()),
  erased: ErasureCountsSchema,
  /** The `customer.erased` audit event. */
  event: EventSchema,
});

export const ControlBackupBodySchema = z.object({ dir: z.string().min(1) }).strict();
export const BackupAnswerSchema = z.object({
  dir: z.string(),
  bytes: z.number(),
  journalPosition: z.number(),
  at: z.string(),
});
export type BackupAnswer = z.infer<typeof BackupAnswerSchema>;
export const ControlEraseBodySchema = EraseBodySchema;
