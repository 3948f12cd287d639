/**
 * The findings' message templates; each key is a finding's stable code. Patch names in single
 * quotes, as the kernel log writes them; options and values in backticks.
 */
export const messages = {
  'too-new':
    "patch '{{patch}}' was published at {{published}}; with {{delaySource}} it becomes eligible at {{eligible}}, {{remaining}} from now ({{now}})",
  'after-cutoff': "patch '{{patch}}' was published at {{published}}, after the `cutoff` {{cutoff}}",
  unpublished: "patch '{{patch}}' has no `published` date, so no delay or cut-off can be applied to it",
  'invalid-published': "patch '{{patch}}': `published` is not an ISO 8601 date-time with an offset: `{{value}}`",
} as const;

export type MessageId = keyof typeof messages;
