import { definePolicy, type PolicyGate, type PrePatchContext, type PreUnpatchContext } from '@patchwise/policy';
import { z } from 'zod';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time like `09:30`');
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** Patches go in and out only inside the team's change windows (UTC), unless tagged as an emergency. */
export const changeWindow = definePolicy({
  name: 'change-window',
  version: '1.0.0',
  meta: {
    docs: { description: 'Allow enabling and disabling patches only inside configured change windows.' },
    messages: {
      'outside-window': "{{operation}} of '{{patch}}' at {{when}} is outside the change windows: {{windows}}",
      emergency: "'{{patch}}' is tagged `{{tag}}`: allowed outside the change windows at {{when}}",
    },
    schema: z.strictObject({
      windows: z.array(z.strictObject({ days: z.array(z.enum(DAYS)).min(1), from: clock, to: clock })).min(1),
      emergencyTag: z.string().min(1).optional(),
    }),
    defaults: { windows: [{ days: ['mon', 'tue', 'wed', 'thu'], from: '09:00', to: '16:00' }] },
  },
  apply(hooks, { windows, emergencyTag }) {
    const describe = windows.map((w) => `${w.days.join(',')} ${w.from}-${w.to}`).join('; ');
    const check: PolicyGate<PrePatchContext | PreUnpatchContext, 'outside-window' | 'emergency'> = (ctx, report) => {
      const now = new Date(ctx.now);
      const day = DAYS[now.getUTCDay()] as (typeof DAYS)[number];
      const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
      const open = windows.some((w) => w.days.includes(day) && minute >= minutes(w.from) && minute < minutes(w.to));
      if (open) return;
      const when = `${day} ${now.toISOString().slice(11, 16)} UTC`;
      const data = { patch: ctx.patch.name, patches: [ctx.patch.name], operation: ctx.operation, when, windows: describe };
      const tags = Array.isArray(ctx.patch.metadata.tags) ? ctx.patch.metadata.tags : [];
      if (emergencyTag && tags.includes(emergencyTag)) {
        report({ messageId: 'emergency', data: { ...data, tag: emergencyTag }, severity: 'warn' });
      } else {
        report({ messageId: 'outside-window', data, hint: 'wait for the next window, or tag the patch as an emergency' });
      }
    };
    hooks.prePatch(check);
    hooks.preUnpatch(check);
  },
});
