import { z } from 'zod';

const templateName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, dots, dashes and underscores');

export const createTemplateSchema = z
  .object({
    name: templateName,
    description: z.string().max(500).optional(),
    subject: z.string().min(1).max(998),
    html: z.string().min(1).optional(),
    text: z.string().min(1).optional(),
  })
  .strict()
  .refine((t) => t.html !== undefined || t.text !== undefined, {
    path: ['html'],
    message: 'html or text is required',
  })
  .meta({ id: 'CreateTemplateRequest', anyOf: [{ required: ['html'] }, { required: ['text'] }] });

export const updateTemplateSchema = z
  .object({
    description: z.string().max(500).optional(),
    subject: z.string().min(1).max(998),
    html: z.string().min(1).nullable().optional(),
    text: z.string().min(1).nullable().optional(),
  })
  .strict();

export const templateViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  subject: z.string(),
  html: z.string().nullable(),
  text: z.string().nullable(),
  version: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const renderTemplateSchema = z
  .object({
    template_data: z.record(z.string(), z.unknown()).default({}),
    draft: z
      .object({
        subject: z.string().min(1).max(998),
        html: z.string().min(1).optional(),
        text: z.string().min(1).optional(),
      })
      .strict()
      .optional()
      .describe('Unsaved parts to render instead of the stored ones (the live preview of an editor)'),
  })
  .strict();

export const renderedTemplateSchema = z.object({
  subject: z.string(),
  html: z.string().nullable(),
  text: z.string().nullable(),
});
