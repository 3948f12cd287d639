#!/usr/bin/env node
'use strict';
// The `patchwise` command of the `patchwise` package: the command of @patchwise/cli (which ships
// the standard plugins), so that `npx patchwise` works in a project that added `patchwise`.
require('@patchwise/cli/bin/patchwise.cjs');
