/** The scaling benchmark's own process (started by `scaling()` with a larger heap). */
import { measureScaling } from './scaling.js';

const send = (message: unknown) => process.send?.(message);
try {
  const result = await measureScaling((line) => send({ log: line }));
  send({ result });
} catch (err) {
  send({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
process.disconnect?.();
