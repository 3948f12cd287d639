/**
 * The findings' message templates. The key is the finding's stable `code`.
 */
export const messages = {
  'disable-blocked': "patch '{{patch}}' may not be disabled: it carries scoped-callback IDs marked `blockDisable`: {{ids}}",
  'replace-blocked':
    "patch '{{patch}}' may not replace {{replaced}}: it drops scoped-callback IDs marked `blockDisable`: {{ids}}",
  'invalid-callbacks': "patch '{{patch}}' declares scoped callbacks that cannot run: {{problems}}",
} as const;

export type MessageId = keyof typeof messages;
