// A plugin that fails while it is imported.
throw new Error('cannot reach the license server');
