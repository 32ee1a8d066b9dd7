// The schema of config/security/data_masking_rules.yaml: the rules file is data, checked here before it is compiled.
import { z } from 'zod';
import { nationalIdModes } from './national-ids';

export const validatorNames = [
  'luhn',
  'card_in_context',
  'iban_mod97',
  'iban_loose',
  'ssn',
  'ssn_bare',
  'ipv4',
  'ipv6',
  'phone',
  'phone_anywhere',
  'token_entropy',
  'high_entropy',
  'basic_auth',
  'vendor_token',
  'prefixed_token',
  'base64_jwt',
] as const;
export type ValidatorName = (typeof validatorNames)[number];

const methodFields = {
  method: z.enum(['replace', 'partial', 'hash', 'remove', 'keep']),
  /** `replace`: the text put in place of the match; `hash`: the label before the digest, e.g. `ID` gives `[ID:…]`. */
  label: z.string().max(64).optional(),
  /** `partial`: how many trailing letters or digits stay visible. */
  keepLast: z.number().int().min(0).max(8).optional(),
};

const contextSchema = z
  .object({
    /** A regex (case-insensitive) that must match within `window` characters before the match. */
    require: z.string().min(1).optional(),
    /** A regex (case-insensitive) that must not match there; anchor it with `$` to mean "right before". */
    forbid: z.string().min(1).optional(),
    window: z.number().int().min(1).max(256).default(32),
    /** With `require`: the match also counts when it is the whole (trimmed) value. */
    orWholeValue: z.boolean().default(false),
  })
  .strict()
  .refine((context) => context.require || context.forbid, { message: 'context needs require or forbid' });

/** Shape counts of one scan over the string; a rule runs only if its string could hold a match. */
const needsSchema = z
  .object({
    digits: z.number().int().min(1).max(64).optional(),
    digitRun: z.number().int().min(1).max(64).optional(),
    digitGroup: z.number().int().min(1).max(64).optional(),
    dottedQuad: z.literal(true).optional(),
    ibanStart: z.literal(true).optional(),
    ibanStartLoose: z.literal(true).optional(),
    mixedToken: z.literal(true).optional(),
    colons: z.literal(true).optional(),
    hexColons: z.literal(true).optional(),
    hexId: z.literal(true).optional(),
    uuidStart: z.literal(true).optional(),
    ssnGroups: z.literal(true).optional(),
    nationalPhone: z.literal(true).optional(),
    tokenBody: z.literal(true).optional(),
    nationalId: z.literal(true).optional(),
    letteredId: z.literal(true).optional(),
  })
  .strict();
export type TextNeeds = z.infer<typeof needsSchema>;

const keywordSchema = z
  .object({
    pattern: z.string().min(1),
    /** token: up to whitespace or a delimiter; scheme: skip an auth scheme word (Bearer, Digest…) then to the line end; line: to the line end. */
    value: z.enum(['token', 'scheme', 'line']).default('token'),
  })
  .strict();

const detectorSchema = z
  .object({
    regex: z.string().min(1).optional(),
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'only i, m, s and u may be added')
      .optional(),
    group: z.number().int().min(1).optional(),
    validator: z.enum(validatorNames).optional(),
    context: contextSchema.optional(),
    requires: z.array(z.string().min(1)).min(1).optional(),
    anyCase: z
      .array(
        z
          .string()
          .min(1)
          .regex(/^[^A-Z]+$/, 'lower-case'),
      )
      .min(1)
      .optional(),
    trigger: z.string().min(1).optional(),
    needs: needsSchema.optional(),
    keyword_assignment: z
      .object({ keywords: z.array(keywordSchema).min(1) })
      .strict()
      .optional(),
    query_param: z
      .object({ params: z.array(z.string().regex(/^[\w.-]+$/)).min(1) })
      .strict()
      .optional(),
    /**
     * National identity and tax numbers from the format table in code (national-ids.ts): `letters` and `groups`
     * mask the distinctive shapes whose check passes; `named` masks the others right after a word naming them.
     */
    national_id: z
      .object({
        mode: z.enum(nationalIdModes),
        window: z.number().int().min(1).max(256).default(40),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((detector) => [detector.regex, detector.keyword_assignment, detector.query_param, detector.national_id].filter(Boolean).length === 1, {
    message: 'a detector has exactly one of regex, keyword_assignment, query_param, national_id',
  });

const ruleSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'rule names are snake_case'),
    category: z.enum(['secret', 'pii', 'keep']),
    detector: detectorSchema,
    ...methodFields,
  })
  .strict()
  .superRefine((rule, context) => {
    if ((rule.method === 'replace' || rule.method === 'hash') && !rule.label)
      context.addIssue({ code: 'custom', path: ['label'], message: `${rule.method} needs a label` });
    if (rule.method === 'partial' && rule.keepLast === undefined) context.addIssue({ code: 'custom', path: ['keepLast'], message: 'partial needs keepLast' });
    if ((rule.category === 'keep') !== (rule.method === 'keep'))
      context.addIssue({ code: 'custom', path: ['method'], message: 'keep rules (and only they) use method keep' });
  });

const fieldRuleSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]*$/),
    contains: z.array(z.string().regex(/^[a-z0-9]+$/, 'normalized: lower-case letters and digits')).default([]),
    equals: z.array(z.string().regex(/^[a-z0-9]+$/, 'normalized: lower-case letters and digits')).default([]),
    unlessEndsWith: z.array(z.string().regex(/^[a-z0-9]+$/)).default([]),
    ...methodFields,
  })
  .strict()
  .superRefine((rule, context) => {
    if (rule.method === 'keep' || rule.method === 'partial')
      context.addIssue({ code: 'custom', path: ['method'], message: 'field rules replace, hash or remove' });
    if ((rule.method === 'replace' || rule.method === 'hash') && !rule.label)
      context.addIssue({ code: 'custom', path: ['label'], message: `${rule.method} needs a label` });
    if (!rule.contains.length && !rule.equals.length) context.addIssue({ code: 'custom', path: ['equals'], message: 'a field rule needs contains or equals' });
  });

export const maskingRulesSchema = z
  .object({
    version: z.literal(1),
    rules: z.array(ruleSchema).min(1),
    fields: z.array(fieldRuleSchema).default([]),
  })
  .strict()
  .superRefine((document, context) => {
    const names = new Set<string>();
    for (const [index, rule] of [...document.rules, ...document.fields].entries()) {
      if (names.has(rule.name)) context.addIssue({ code: 'custom', path: ['rules', index, 'name'], message: `duplicate rule name ${rule.name}` });
      names.add(rule.name);
    }
  });

export type MaskingRulesDocument = z.infer<typeof maskingRulesSchema>;
export type MaskingRule = MaskingRulesDocument['rules'][number];
export type FieldRule = MaskingRulesDocument['fields'][number];
export type RuleContext = z.infer<typeof contextSchema>;
export type KeywordSpec = z.infer<typeof keywordSchema>;
